import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullResponseSchema, type SignedIn } from '../../src/shared/api.js';
import type { ChildCard } from '../../src/shared/family/index.js';
import {
  createStudent,
  inviteStudentByEmail,
  removeLink,
  schoolContextOf,
} from '../../src/server/family/school.js';
import { DEMO_SCHOOL } from '../../src/server/demo.js';
import { signInByPhone, TestClock, testDeviceId, type TestServer } from '../../src/server/testing.js';
import { startTestServer } from '../helpers/server.js';
import { api, bearer, confirm, freshPhone, issueInvite, newStudent } from '../helpers/family.js';

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.close();
});

async function pullAll(
  user: SignedIn,
): Promise<Map<string, { op: string; data: Record<string, unknown> | null }>> {
  const records = new Map<string, { op: string; data: Record<string, unknown> | null }>();
  let cursor: string | undefined;
  for (;;) {
    const query = new URLSearchParams(cursor ? { cursor } : {});
    const response = await fetch(`${ts.url}/api/sync/changes?${query}`, { headers: bearer(user) });
    const page = PullResponseSchema.parse(await response.json());
    for (const c of page.changes) records.set(`${c.entity}/${c.id}`, { op: c.op, data: c.data });
    cursor = page.cursor;
    if (!page.hasMore) return records;
  }
}

function live(records: Map<string, { op: string; data: Record<string, unknown> | null }>, prefix: string) {
  return [...records.entries()]
    .filter(([key, value]) => key.startsWith(`${prefix}/`) && value.op === 'put')
    .map(([, value]) => value.data!);
}

async function parent(name = 'Петрова'): Promise<SignedIn> {
  return signInByPhone(ts, freshPhone('944'), {
    name: { surname: name, name: 'Мария', patronymic: 'Ивановна' },
  });
}

async function studentWithInvite() {
  const s = await newStudent(ts);
  const student = await signInByPhone(ts, s.phone);
  const invite = await issueInvite(ts, student);
  return { student, invite, id: s.id };
}

describe('family: invite links', () => {
  it('gives a student a 256-bit link in both forms, stores only its hash, and a new one revokes the old', async () => {
    const { student, invite } = await studentWithInvite();
    expect(invite.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(invite.url).toBe(`${ts.url}/invite/${invite.token}`);
    expect(invite.appUrl).toBe(`sferum-family://invite/${invite.token}`);
    expect(Date.parse(invite.expiresAt) - Date.parse(invite.createdAt)).toBe(14 * 86_400_000);

    const db = new Database(path.join(ts.dataDir, 'sferum.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM invites').all() as Record<string, unknown>[];
    db.close();
    expect(JSON.stringify(rows)).not.toContain(invite.token);

    const next = await issueInvite(ts, student);
    const mom = await parent();
    const old = await api<{ code: string }>(ts, '/api/family/invite/preview', mom, { token: invite.token });
    expect(old.status).toBe(410);
    expect(old.body.code).toBe('INVITE_REVOKED');
    const fresh = await api<ChildCard>(ts, '/api/family/invite/preview', mom, { token: next.token });
    expect(fresh.status).toBe(200);

    // The student's feed holds the current invite without its token.
    const feed = await pullAll(student);
    const invites = live(feed, 'invite');
    expect(invites.map((i) => i.id)).toEqual([next.id]);
    expect(JSON.stringify(invites)).not.toContain(next.token);
  });

  it('only a student has a link', async () => {
    const mom = await parent();
    const r = await api<{ code: string }>(ts, '/api/family/invite', mom);
    expect(r.status).toBe(403);
  });
});

describe('family: confirming a child', () => {
  it('a parent sees the card, corrects the patronymic, confirms; both feeds show each other', async () => {
    const { student, invite, id } = await studentWithInvite();
    const mom = await parent();
    const preview = await api<ChildCard>(ts, '/api/family/invite/preview', mom, { token: invite.token });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      id,
      surname: 'Сидоров',
      name: 'Миша',
      patronymic: 'Олегович',
      birthDate: '2013-05-06',
      school: { name: DEMO_SCHOOL },
      class: { name: '5 А' },
      parents: [],
    });

    const done = await confirm(ts, mom, invite.token, { ...preview.body, patronymic: 'Олегович-Младший' });
    expect(done.status).toBe(200);
    expect(done.body.child.patronymic).toBe('Олегович-Младший');
    expect(done.body.child.parents).toEqual(['Петрова Мария']);

    const momFeed = await pullAll(mom);
    const child = live(momFeed, 'profile').find((p) => p.id === id)!;
    expect(child).toMatchObject({
      patronymic: 'Олегович-Младший',
      phone: null,
      school: { name: DEMO_SCHOOL },
    });
    expect(live(momFeed, 'parentLink')).toEqual([
      expect.objectContaining({ childId: id, parentId: mom.profile.id }),
    ]);
    expect(live(momFeed, 'familyEvent')).toEqual([
      expect.objectContaining({ childId: id, action: 'joined', parentName: 'Петрова Мария' }),
    ]);

    const kidFeed = await pullAll(student);
    const me = live(kidFeed, 'profile').find((p) => p.id === id)!;
    expect(me.patronymic).toBe('Олегович-Младший');
    expect(me.phone).not.toBeNull();
    const mum = live(kidFeed, 'profile').find((p) => p.id === mom.profile.id)!;
    expect(mum).toMatchObject({ surname: 'Петрова', phone: null });
    expect(live(kidFeed, 'parentLink')).toHaveLength(1);
  });

  it('refuses a third parent, and says "already in your family" to a linked one', async () => {
    const { invite } = await studentWithInvite();
    const [a, b, c] = [await parent('Первая'), await parent('Вторая'), await parent('Третья')];
    const card = { surname: 'Сидоров', name: 'Миша', patronymic: 'Олегович', birthDate: '2013-05-06' };
    expect((await confirm(ts, a, invite.token, card)).status).toBe(200);
    const again = await confirm(ts, a, invite.token, card);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INVITE_ALREADY_LINKED');
    expect((await confirm(ts, b, invite.token, card)).status).toBe(200);
    const third = await api<{ code: string }>(ts, '/api/family/invite/preview', c, { token: invite.token });
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('INVITE_PARENT_LIMIT');
    const thirdConfirm = await confirm(ts, c, invite.token, card);
    expect(thirdConfirm.body.code).toBe('INVITE_PARENT_LIMIT');
    // The two parents see each other (co-parents), the third sees nobody.
    const feedA = await pullAll(a);
    expect(
      live(feedA, 'profile')
        .map((p) => p.surname)
        .sort(),
    ).toEqual(['Вторая', 'Первая', 'Сидоров']);
    expect(live(await pullAll(c), 'profile').map((p) => p.surname)).toEqual(['Третья']);
  });

  it('the child opening their own link is the same-device case; confirming it is refused as their own link', async () => {
    const { student, invite } = await studentWithInvite();
    const open = await api<{ code: string }>(ts, '/api/family/invite/preview', student, {
      token: invite.token,
    });
    expect(open.status).toBe(409);
    expect(open.body.code).toBe('INVITE_SAME_DEVICE');
    const accept = await confirm(ts, student, invite.token, { surname: 'Сидоров', name: 'Миша' });
    expect(accept.body.code).toBe('INVITE_OWN_LINK');
  });

  it('a parent signing in on the child’s device after the child signed out goes on', async () => {
    const s = await newStudent(ts);
    const device = testDeviceId('shared-pc');
    const student = await signInByPhone(ts, s.phone, { deviceId: device });
    const invite = await issueInvite(ts, student);
    // Signing the parent in on the same device ends the child's session there.
    const mom = await signInByPhone(ts, freshPhone('944'), { deviceId: device });
    const r = await api(ts, '/api/family/invite/preview', mom, { token: invite.token });
    expect(r.status).toBe(200);
  });

  it('a student account cannot become a parent (a parent signed in with a student’s number)', async () => {
    const { invite } = await studentWithInvite();
    const other = await newStudent(ts);
    const sibling = await signInByPhone(ts, other.phone);
    const r = await api<{ code: string; message: string }>(ts, '/api/family/invite/preview', sibling, {
      token: invite.token,
    });
    expect(r.body.code).toBe('PHONE_BELONGS_TO_STUDENT');
  });

  it('a malformed token and an unknown one get the same answer', async () => {
    const mom = await parent();
    const bad = await api(ts, '/api/family/invite/preview', mom, { token: 'not a token' });
    const unknown = await api(ts, '/api/family/invite/preview', mom, { token: 'A'.repeat(43) });
    expect(bad).toEqual(unknown);
    expect(bad.status).toBe(400);
    expect((bad.body as { code: string }).code).toBe('INVITE_MALFORMED');
  });

  it('needs a signed-in parent', async () => {
    const { invite } = await studentWithInvite();
    const r = await api<{ code: string }>(ts, '/api/family/invite/preview', null, { token: invite.token });
    expect(r.status).toBe(401);
  });
});

describe('family: leaving and the school removing a link', () => {
  it('a parent leaves; the child and the other parent see it in the history; profiles disappear', async () => {
    const { student, invite, id } = await studentWithInvite();
    const [a, b] = [await parent('Уходящая'), await parent('Остающаяся')];
    const card = { surname: 'Сидоров', name: 'Миша', patronymic: 'Олегович', birthDate: '2013-05-06' };
    await confirm(ts, a, invite.token, card);
    await confirm(ts, b, invite.token, card);
    const left = await api(ts, '/api/family/leave', a, { childId: id });
    expect(left.status).toBe(200);
    const notAgain = await api<{ code: string }>(ts, '/api/family/leave', a, { childId: id });
    expect(notAgain.body.code).toBe('NOT_FOUND');

    const kid = await pullAll(student);
    expect(
      live(kid, 'profile')
        .map((p) => p.surname)
        .sort(),
    ).toEqual(['Остающаяся', 'Сидоров']);
    expect(live(kid, 'familyEvent').map((e) => e.action)).toEqual(['joined', 'joined', 'left']);
    const other = await pullAll(b);
    expect(live(other, 'familyEvent').map((e) => e.action)).toEqual(['joined', 'joined', 'left']);
    expect(live(other, 'parentLink')).toHaveLength(1);
    const gone = await pullAll(a);
    expect(live(gone, 'profile').map((p) => p.surname)).toEqual(['Уходящая']);
    expect(live(gone, 'parentLink')).toHaveLength(0);
    expect(live(gone, 'familyEvent')).toHaveLength(0);

    await removeLink(schoolContextOf(ts.server.context), id, b.profile.id);
    const after = await pullAll(student);
    const history = live(after, 'familyEvent');
    expect(history.map((e) => e.action)).toEqual(['joined', 'joined', 'left', 'removed']);
    expect(history[3]).toMatchObject({ actorName: null, parentName: 'Остающаяся Мария' });
  });
});

describe('family: phone numbers', () => {
  it('the school cannot register a student on a parent’s number, nor on another student’s', async () => {
    const mom = await parent();
    const ctx = schoolContextOf(ts.server.context);
    const input = { surname: 'Сидоров', name: 'Коля', patronymic: '', school: DEMO_SCHOOL, className: '5 А' };
    await expect(createStudent(ctx, { ...input, phone: mom.profile.phone })).rejects.toMatchObject({
      code: 'PHONE_BELONGS_TO_PARENT',
    });
    const kid = await newStudent(ts);
    await expect(createStudent(ctx, { ...input, phone: kid.phone })).rejects.toMatchObject({
      code: 'PHONE_BELONGS_TO_STUDENT',
    });
  });
});

describe('family: a primary-school student registered by e-mail', () => {
  it('completes registration from the e-mail link once, without a phone, then signs in by e-mail code', async () => {
    const email = `pupil.${Date.now()}@example.ru`;
    const { token, user } = await inviteStudentByEmail(schoolContextOf(ts.server.context), {
      surname: 'Кузнецова',
      name: 'Вера',
      patronymic: '',
      school: DEMO_SCHOOL,
      className: '2 Б',
      email,
      birthDate: '2018-01-02',
    });
    const deviceId = testDeviceId('tablet');
    const first = await api<SignedIn>(ts, '/api/family/email-registration', null, {
      token,
      deviceId,
      deviceName: 'Tablet',
    });
    expect(first.status).toBe(200);
    expect(first.body.profile).toMatchObject({ id: user.id, role: 'student', phone: null, email });
    const twice = await api<{ code: string }>(ts, '/api/family/email-registration', null, {
      token,
      deviceId,
      deviceName: 'Tablet',
    });
    expect(twice.body.code).toBe('REGISTRATION_EXPIRED');

    const code = await api<{ devCode?: string }>(ts, '/api/auth/otp/request', null, {
      channel: 'email',
      email,
      deviceId,
    });
    expect(code.status).toBe(200);
    expect(code.body.devCode).toMatch(/^\d{8}$/);
  });
});

describe('family: guessing tokens', () => {
  it('is rate-limited per IP, valid tokens included, and expired links say so', async () => {
    const clock = new TestClock();
    const own = await startTestServer({ clock });
    try {
      const s = await newStudent(own);
      const student = await signInByPhone(own, s.phone);
      const invite = await issueInvite(own, student);
      const mom = await signInByPhone(own, freshPhone('955'));
      clock.advance(15 * 86_400_000);
      // Fifteen days later the access token has expired too: sign in again.
      const momAgain = await signInByPhone(own, mom.profile.phone!);
      const expired = await api<{ code: string }>(own, '/api/family/invite/preview', momAgain, {
        token: invite.token,
      });
      expect(expired.status).toBe(410);
      expect(expired.body.code).toBe('INVITE_EXPIRED');
      const studentAgain = await signInByPhone(own, s.phone);
      const fresh = await issueInvite(own, studentAgain);
      for (let i = 0; i < 10; i++) {
        const r = await api<{ code: string }>(own, '/api/family/invite/preview', momAgain, {
          token: `${'B'.repeat(42)}${i}`,
        });
        expect(r.body.code).toBe('INVITE_MALFORMED');
      }
      const limited = await api<{ code: string; retryAfter: number }>(
        own,
        '/api/family/invite/preview',
        momAgain,
        {
          token: fresh.token,
        },
      );
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(limited.body.retryAfter).toBeGreaterThan(0);
      clock.advance(11 * 60_000);
      const later = await api(own, '/api/family/invite/preview', momAgain, { token: fresh.token });
      expect(later.status).toBe(200);
    } finally {
      await own.close();
    }
  });
});
