import type { SignedIn } from '../../src/shared/api.js';
import type { ChildCard, IssuedInvite } from '../../src/shared/family/index.js';
import { createStudent, schoolContextOf } from '../../src/server/family/school.js';
import type { TestServer } from '../../src/server/testing.js';
import { DEMO_SCHOOL } from '../../src/server/demo.js';

let seq = 0;

/** A fresh phone number per call, unique within the process. */
export function freshPhone(prefix = '933'): string {
  seq += 1;
  return `+7${prefix}${String(process.pid % 1000).padStart(3, '0')}${String(seq).padStart(4, '0')}`;
}

/** A new student in the demo school's 5 А, created the way the school's tool does. */
export async function newStudent(
  ts: TestServer,
  name: { surname: string; name: string; patronymic?: string } = {
    surname: 'Сидоров',
    name: 'Миша',
    patronymic: 'Олегович',
  },
): Promise<{ id: string; phone: string }> {
  const phone = freshPhone();
  const user = await createStudent(schoolContextOf(ts.server.context), {
    ...name,
    patronymic: name.patronymic ?? '',
    school: DEMO_SCHOOL,
    className: '5 А',
    phone,
    birthDate: '2013-05-06',
  });
  return { id: user.id, phone };
}

export function bearer(user: SignedIn): Record<string, string> {
  return { authorization: `Bearer ${user.tokens.accessToken}` };
}

export async function api<T = unknown>(
  ts: TestServer,
  path: string,
  user: SignedIn | null,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${ts.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(user ? bearer(user) : {}) },
    body: JSON.stringify(body ?? {}),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export async function issueInvite(ts: TestServer, student: SignedIn): Promise<IssuedInvite> {
  const r = await api<IssuedInvite>(ts, '/api/family/invite', student);
  if (r.status !== 200) throw new Error(`invite: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function confirm(
  ts: TestServer,
  parent: SignedIn,
  token: string,
  child: Partial<ChildCard> & { surname: string; name: string },
) {
  return api<{ child: ChildCard; code?: string }>(ts, '/api/family/invite/confirm', parent, {
    token,
    child: {
      surname: child.surname,
      name: child.name,
      patronymic: child.patronymic ?? '',
      birthDate: child.birthDate ?? null,
    },
  });
}
