import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { describeChildChanges, type FamilyEvent, type FamilyView } from '../../src/shared/family/index.js';
import { en, ru } from '../../src/shared/messages/index.js';
import { signInByPhone, type TestServer } from '../../src/server/testing.js';
import { createTestCore, signInAs, waitFor, waitForEvent, type TestCore } from '../helpers/core.js';
import { bearer, confirm, freshPhone, newStudent } from '../helpers/family.js';
import { startTestServer } from '../helpers/server.js';

/**
 * A forwarded invite: the second parent confirms the same link with other details. The
 * correction is allowed, and everyone in the family sees exactly what changed and who did it.
 */
let ts: TestServer;
const cores: TestCore[] = [];

beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  for (const c of cores) await c.dispose();
  await ts?.close();
});

async function core(): Promise<TestCore> {
  const c = await createTestCore({ serverUrl: ts.url });
  cores.push(c);
  return c;
}

async function view(user: SignedIn): Promise<FamilyView> {
  const response = await fetch(`${ts.url}/api/family`, { headers: bearer(user) });
  expect(response.status).toBe(200);
  return (await response.json()) as FamilyView;
}

const changedLines = (history: FamilyEvent[]) => history.filter((e) => e.action === 'changed');

describe('family: a later confirmation that changes the child’s details', () => {
  it('is in the child’s history and a notice to the child and the first parent: each field, old → new, and who', async () => {
    const s = await newStudent(ts, { surname: 'Иванов', name: 'Илья', patronymic: 'Сергеевич' });
    const kid = await core();
    const mom = await core();
    await signInAs(kid.core, s.phone);
    await signInAs(mom.core, freshPhone('977'), { surname: 'Иванова', name: 'Анна', patronymic: 'Юрьевна' });
    const invite = await kid.core.family.issueInvite();

    // The first parent confirms, correcting the patronymic: the school's draft, no change line.
    await mom.core.family.confirmInvite({
      token: invite.token,
      child: { surname: 'Иванов', name: 'Илья', patronymic: 'Сергеевич-мл', birthDate: '2013-05-06' },
    });
    await waitFor(() => mom.core.family.get().children.length === 1, 10_000, 'the child in the family');
    await waitFor(() => kid.core.family.get().parents.length === 1, 10_000, 'the parent in the profile');
    expect(changedLines(mom.core.family.get().history)).toEqual([]);

    // The link forwarded to a second parent, who confirms another surname and birth date.
    const kidNotice = waitForEvent(kid.core, 'family.notice', (e) => e.action === 'changed', 10_000);
    const momNotice = waitForEvent(mom.core, 'family.notice', (e) => e.action === 'changed', 10_000);
    const dad = await signInByPhone(ts, freshPhone('977'), {
      name: { surname: 'Петров', name: 'Олег', patronymic: 'Ильич' },
    });
    const done = await confirm(ts, dad, invite.token, {
      surname: 'Петров',
      name: 'Илья',
      patronymic: 'Сергеевич-мл',
      birthDate: '2013-05-07',
    });
    expect(done.status).toBe(200);

    const expected = {
      childId: s.id,
      action: 'changed',
      parentId: dad.profile.id,
      parentName: 'Петров Олег',
      actorName: 'Петров Олег',
      changes: [
        { field: 'surname', from: 'Иванов', to: 'Петров' },
        { field: 'birthDate', from: '2013-05-06', to: '2013-05-07' },
      ],
    };
    // The notices on the child's and the first parent's devices.
    expect(await kidNotice).toMatchObject(expected);
    expect(await momNotice).toMatchObject(expected);

    // The history, on every device and in the web version's view, in order.
    for (const history of [
      (await waitFor(
        () => (changedLines(kid.core.family.get().history).length ? kid : null),
        10_000,
        'kid',
      ))!.core.family.get().history,
      mom.core.family.get().history,
      (await view(dad)).history,
    ]) {
      expect(history.map((e) => e.action)).toEqual(['joined', 'joined', 'changed']);
      expect(changedLines(history)).toEqual([expect.objectContaining(expected)]);
    }

    // In words, as the history line and the notice show it.
    const [line] = changedLines(mom.core.family.get().history);
    expect(describeChildChanges(line!.changes!, ru.family, 'ru')).toBe(
      'фамилия Иванов → Петров, дата рождения 06.05.2013 → 07.05.2013',
    );
    expect(describeChildChanges(line!.changes!, en.family, 'en')).toBe(
      'surname Иванов → Петров, date of birth 6 May 2013 → 7 May 2013',
    );
  });

  it('a second confirmation that changes nothing records no change line', async () => {
    const s = await newStudent(ts, { surname: 'Смирнова', name: 'Ольга' });
    const student = await signInByPhone(ts, s.phone);
    const invite = (await (
      await fetch(`${ts.url}/api/family/invite`, { method: 'POST', headers: bearer(student) })
    ).json()) as { token: string };
    const card = { surname: 'Смирнова', name: 'Ольга', patronymic: '', birthDate: '2013-05-06' };
    const first = await signInByPhone(ts, freshPhone('977'));
    const second = await signInByPhone(ts, freshPhone('977'));
    expect((await confirm(ts, first, invite.token, { ...card, birthDate: '2013-06-01' })).status).toBe(200);
    expect((await confirm(ts, second, invite.token, { ...card, birthDate: '2013-06-01' })).status).toBe(200);
    const history = (await view(student)).history;
    expect(history.map((e) => e.action)).toEqual(['joined', 'joined']);
  });
});
