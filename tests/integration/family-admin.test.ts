import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { runAdmin } from '../../src/server/admin.js';
import { openEventStream, signInByPhone, testDeviceId, type TestServer } from '../../src/server/testing.js';
import { api, confirm, freshPhone, issueInvite } from '../helpers/family.js';
import { databaseEnv, startTestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

const data = makeTempDir('sferum-admin-');
let ts: TestServer | null = null;

async function admin(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(argv, {
    env: {
      SFERUM_DATA_DIR: data.path,
      ...databaseEnv(data.path),
      SFERUM_PUBLIC_URL: 'https://family.school.example',
    },
    out: (line) => void out.push(line),
    err: (line) => void err.push(line),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  // The server and the tool share the data directory, as on a school's machine.
  ts = await startTestServer({ dataDir: data.path, config: { demo: false, foreignWritesPollMs: 50 } });
});
afterAll(async () => {
  await ts?.close();
  data.remove();
});

describe('the school’s admin tool', () => {
  it('creates a school, a class, a teacher and a student; refuses a child on a parent’s phone', async () => {
    expect((await admin('create-school', '--name', 'Школа № 7')).code).toBe(0);
    const dup = await admin('create-school', '--name', 'Школа № 7');
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('already exists');
    expect(
      (
        await admin(
          'create-class',
          '--school',
          'Школа № 7',
          '--name',
          '1 А',
          '--teacher',
          'Лебедева Анна Ивановна',
        )
      ).code,
    ).toBe(0);
    const teacher = await admin(
      'create-teacher',
      '--school',
      'Школа № 7',
      '--class',
      '1 А',
      '--surname',
      'Лебедева',
      '--name',
      'Анна',
      '--patronymic',
      'Ивановна',
      '--email',
      'lebedeva@school7.example',
    );
    expect(teacher.code).toBe(0);
    const studentPhone = freshPhone('911');
    const student = await admin(
      'create-student',
      '--school',
      'Школа № 7',
      '--class',
      '1 А',
      '--surname',
      'Зайцев',
      '--name',
      'Денис',
      '--phone',
      studentPhone,
      '--birth-date',
      '2019-04-05',
    );
    expect(student.code).toBe(0);
    expect(student.out).toContain('Зайцев Денис');

    const parent = await signInByPhone(ts!, freshPhone('912'));
    const onParent = await admin(
      'create-student',
      '--school',
      'Школа № 7',
      '--class',
      '1 А',
      '--surname',
      'Зайцева',
      '--name',
      'Ира',
      '--phone',
      parent.profile.phone!,
    );
    expect(onParent.code).toBe(1);
    expect(onParent.err).toContain('PHONE_BELONGS_TO_PARENT');
    const onStudent = await admin(
      'create-student',
      '--school',
      'Школа № 7',
      '--class',
      '1 А',
      '--surname',
      'Зайцева',
      '--name',
      'Ира',
      '--phone',
      studentPhone,
    );
    expect(onStudent.err).toContain('PHONE_BELONGS_TO_STUDENT');
    const missing = await admin('create-student', '--school', 'Школа № 7');
    expect(missing.err).toContain('--surname');
  });

  it('creates a school administrator who signs in by phone', async () => {
    await admin('create-school', '--name', 'Школа № 8');
    const phone = freshPhone('913');
    const created = await admin(
      'create-admin',
      '--school',
      'Школа № 8',
      '--surname',
      'Орлова',
      '--name',
      'Вера',
      '--phone',
      phone,
    );
    expect(created.code, created.err).toBe(0);
    expect(created.out).toContain('School administrator created: admin Орлова Вера');
    const signedIn = await signInByPhone(ts!, phone);
    expect(signedIn.profile).toMatchObject({ role: 'admin', school: { name: 'Школа № 8' }, class: null });
    const noContact = await admin(
      'create-admin',
      '--school',
      'Школа № 8',
      '--surname',
      'Орлова',
      '--name',
      'Ия',
    );
    expect(noContact.code).toBe(1);
  });

  it('invites a primary-school student by e-mail; the student registers from the link and later signs in by e-mail code', async () => {
    const email = `pupil.${Date.now()}@example.ru`;
    const sent = await admin(
      'invite-student-email',
      '--school',
      'Школа № 7',
      '--class',
      '1 А',
      '--surname',
      'Морозова',
      '--name',
      'Соня',
      '--email',
      email,
    );
    expect(sent.code).toBe(0);
    const files = readdirSync(join(data.path, 'outbox-mail')).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const eml = readFileSync(join(data.path, 'outbox-mail', files[0]!), 'utf8');
    expect(eml).toContain(`To: ${email}`);
    const link = /https:\/\/family\.school\.example\/register\/([A-Za-z0-9_-]{43})/.exec(
      eml.replace(/=\r?\n/g, ''),
    );
    expect(link).not.toBeNull();

    const deviceId = testDeviceId('pupil');
    const done = await api<SignedIn>(ts!, '/api/family/email-registration', null, {
      token: link![1],
      deviceId,
      deviceName: 'Школьный планшет',
    });
    expect(done.status).toBe(200);
    expect(done.body.profile).toMatchObject({ role: 'student', email, phone: null, class: { name: '1 А' } });
    const code = await api<{ requestId: string }>(ts!, '/api/auth/otp/request', null, {
      channel: 'email',
      email,
      deviceId,
    });
    expect(code.status).toBe(200);
    expect(ts!.sender.lastCode(email)).toMatch(/^\d{8}$/);
  });

  it('removes a link; lists schools, people and links', async () => {
    const studentPhone = freshPhone('913');
    await admin(
      'create-student',
      '--school',
      'Школа № 7',
      '--class',
      '1 А',
      '--surname',
      'Волков',
      '--name',
      'Петя',
      '--phone',
      studentPhone,
    );
    const student = await signInByPhone(ts!, studentPhone);
    const invite = await issueInvite(ts!, student);
    const mom = await signInByPhone(ts!, freshPhone('914'), { name: { surname: 'Волкова', name: 'Ольга' } });
    expect((await confirm(ts!, mom, invite.token, { surname: 'Волков', name: 'Петя' })).status).toBe(200);

    const listed = await admin('list');
    expect(listed.out).toContain('School Школа № 7');
    expect(listed.out).toContain('Волкова Ольга → Волков Петя');

    // The running server notices the tool's write and tells the people online to pull.
    const stream = await openEventStream(ts!.url, student.tokens.accessToken);
    const removed = await admin('remove-link', '--child', studentPhone, '--parent', mom.profile.phone!);
    expect(removed.code).toBe(0);
    expect((await stream.next('changed', 10_000)).type).toBe('changed');
    stream.close();
    const again = await admin('remove-link', '--child', studentPhone, '--parent', mom.profile.phone!);
    expect(again.err).toContain('NOT_FOUND');
    const view = await fetch(`${ts!.url}/api/family`, {
      headers: { authorization: `Bearer ${student.tokens.accessToken}` },
    });
    const family = (await view.json()) as { parents: unknown[]; history: { action: string }[] };
    expect(family.parents).toHaveLength(0);
    expect(family.history.map((e) => e.action)).toEqual(['joined', 'removed']);
  });

  it('runs as `npm run admin` (tsx), printing usage for help and failing on unknown commands', () => {
    const help = spawnSync('npx', ['tsx', 'src/server/admin.ts', 'help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('invite-student-email');
    const bad = spawnSync('npx', ['tsx', 'src/server/admin.ts', 'frobnicate'], {
      encoding: 'utf8',
      env: { ...process.env, SFERUM_DATA_DIR: data.path, ...databaseEnv(data.path) },
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Unknown command');
  });
});
