import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpcRouter } from '../../src/main/core/ipc.js';
import { DEMO_SCHOOL } from '../../src/server/demo.js';
import { inviteStudentByEmail, schoolContextOf } from '../../src/server/family/school.js';
import type { TestServer } from '../../src/server/testing.js';
import { createTestCore, signInAs, waitFor, waitForEvent, type TestCore } from '../helpers/core.js';
import { freshPhone, newStudent } from '../helpers/family.js';
import { startTestServer } from '../helpers/server.js';

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

describe('family in the core', () => {
  it('a student makes a link; a parent confirms on another device; both see each other live, with a notice', async () => {
    const s = await newStudent(ts, { surname: 'Орлов', name: 'Гриша', patronymic: 'Павлович' });
    const kid = await core();
    const mom = await core();
    await signInAs(kid.core, s.phone);
    await signInAs(mom.core, freshPhone('966'), { surname: 'Орлова', name: 'Нина', patronymic: 'Юрьевна' });

    expect(kid.core.family.currentInvite()).toBeNull();
    const invite = await kid.core.family.issueInvite();
    expect(kid.core.family.currentInvite()).toEqual(invite);
    await waitFor(() => kid.core.family.get().invite?.id === invite.id, 10_000, 'invite record');
    expect(kid.core.family.get().parentSlotsLeft).toBe(2);

    // Pasting the https link, the app link or the bare token all work.
    const card = await mom.core.family.previewInvite(`  ${invite.url} `);
    expect(card).toMatchObject({ surname: 'Орлов', school: { name: DEMO_SCHOOL }, class: { name: '5 А' } });
    expect(await mom.core.family.previewInvite(invite.appUrl)).toEqual(card);
    await expect(mom.core.family.previewInvite('https://example.ru/nothing')).rejects.toMatchObject({
      code: 'INVITE_MALFORMED',
    });

    const notice = waitForEvent(kid.core, 'family.notice', (e) => e.action === 'joined', 10_000);
    await mom.core.family.confirmInvite({
      token: invite.token,
      child: { surname: 'Орлов', name: 'Гриша', patronymic: 'Павлович', birthDate: '2013-05-06' },
    });
    const view = mom.core.family.get();
    expect(view.children).toHaveLength(1);
    expect(view.children[0]!.profile).toMatchObject({ surname: 'Орлов', school: { name: DEMO_SCHOOL } });
    expect(view.history.map((e) => e.action)).toEqual(['joined']);

    expect(await notice).toMatchObject({ parentName: 'Орлова Нина', action: 'joined' });
    const kidView = await waitFor(
      () => {
        const v = kid.core.family.get();
        return v.parents.length === 1 ? v : null;
      },
      10_000,
      'the parent in the child’s profile',
    );
    expect(kidView!.parents[0]!.profile).toMatchObject({ surname: 'Орлова', phone: null });
    expect(kidView!.parentSlotsLeft).toBe(1);

    // Leaving: the child's device sees it live too.
    const left = waitForEvent(kid.core, 'family.notice', (e) => e.action === 'left', 10_000);
    await mom.core.family.leave(s.id);
    expect(mom.core.family.get().children).toHaveLength(0);
    await left;
    await waitFor(() => kid.core.family.get().parents.length === 0, 10_000, 'the parent gone');
    expect(kid.core.family.get().history.map((e) => e.action)).toEqual(['joined', 'left']);
  });

  it('keeps an invite from a deep link until the window takes it, and ignores other links', async () => {
    const c = await core();
    const token = 'A'.repeat(43);
    const opened = waitForEvent(c.core, 'invite.open');
    expect(c.core.family.openLink(`sferum-family://invite/${token}`)).toBe(true);
    expect(await opened).toEqual({ token, kind: 'invite' });
    expect(c.core.family.openLink('sferum-family://settings')).toBe(false);
    expect(c.core.family.takePendingInvite()).toEqual({ token, kind: 'invite' });
    expect(c.core.family.takePendingInvite()).toBeNull();
  });

  it('completes the school’s e-mail registration from the app link, without a phone', async () => {
    const c = await core();
    const email = `app.pupil.${Date.now()}@example.ru`;
    const invited = await inviteStudentByEmail(schoolContextOf(ts.server.context), {
      surname: 'Белова',
      name: 'Лиза',
      patronymic: '',
      school: DEMO_SCHOOL,
      className: '2 Б',
      email,
    });
    expect(c.core.family.openLink(`sferum-family://register/${invited.token}`)).toBe(true);
    const pending = c.core.family.takePendingInvite();
    expect(pending).toEqual({ token: invited.token, kind: 'registration' });
    const profile = await c.core.family.completeEmailRegistration(pending!.token);
    expect(profile).toMatchObject({ id: invited.user.id, email, phone: null, role: 'student' });
    expect(c.core.getProfile()?.id).toBe(invited.user.id);
    await expect(c.core.family.completeEmailRegistration(invited.token)).rejects.toMatchObject({
      code: 'REGISTRATION_EXPIRED',
    });
  });

  it('holds several local profiles: each its own device; switching keeps the other signed in', async () => {
    const c = await core();
    const router = createIpcRouter(c.core, { isTrustedSender: () => true });
    const sender = { frameUrl: 'app://renderer/index.html' };
    const s = await newStudent(ts);
    await signInAs(c.core, s.phone);
    const first = c.core.getState().activeAccountId!;
    const added = await router.invoke('accounts.add', null, sender);
    expect(added.ok).toBe(true);
    const second = (added as { value: { id: string } }).value.id;
    expect(c.core.getProfile()).toBeNull();
    await signInAs(c.core, freshPhone('977'));
    expect(c.core.getProfile()?.role).toBe('parent');
    expect(c.core.getState().accounts.map((a) => a.signedIn)).toEqual([true, true]);

    expect((await router.invoke('accounts.switch', { id: first }, sender)).ok).toBe(true);
    expect(c.core.getProfile()?.id).toBe(s.id);
    expect((await router.invoke('accounts.remove', { id: second }, sender)).ok).toBe(true);
    expect(c.core.getState().accounts.map((a) => a.id)).toEqual([first]);
    expect(c.core.getProfile()?.id).toBe(s.id);
  });
});
