import {
  isPlainText,
  NAME_HIDDEN_CHARACTERS,
  PersonNameSchema,
  type PersonName,
} from '../../shared/domain.js';
import { AppError } from '../../shared/errors.js';
import { normalizeEmail, normalizePhone } from '../../shared/phone.js';
import { iso, type Now } from '../clock.js';
import type { Feed } from '../sync/feed.js';
import type { ClassRow, FamilyStore, Repos, SchoolRow, Store, UserRow } from '../store/types.js';
import { newId } from '../auth/tokens.js';
import { classTeacherLinked, ensureClassChats } from '../chats/membership.js';
import type { FamilyService } from './service.js';

/** A school context over a running server's services (tests, the embedded server). */
export function schoolContextOf(ctx: {
  store: Store;
  family: FamilyService;
  feed: Feed;
  now: Now;
}): SchoolContext {
  return {
    store: ctx.store,
    family: ctx.family,
    familyStore: ctx.family.tables,
    feed: ctx.feed,
    now: ctx.now,
  };
}

/** What the school's tools work with: the same store and services as the server. */
export interface SchoolContext {
  store: Store;
  family: FamilyService;
  familyStore: FamilyStore;
  feed: Feed;
  now: Now;
}

function parseName(name: PersonName): PersonName {
  const parsed = PersonNameSchema.safeParse(name);
  if (!parsed.success) {
    const hidden = parsed.error.issues.find((i) => i.message === NAME_HIDDEN_CHARACTERS);
    throw new AppError(
      'NAME_INVALID',
      hidden
        ? `The ${String(hidden.path[0])} ${NAME_HIDDEN_CHARACTERS}.`
        : 'Surname and name are letters only.',
      { fields: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])) },
    );
  }
  return parsed.data;
}

/** A school's, class's or teacher's name as typed into the school's tool: trimmed, NFC, nothing hidden. */
function displayName(value: string, what: string): string {
  if (!isPlainText(value)) {
    throw new AppError('VALIDATION_FAILED', `The ${what} ${NAME_HIDDEN_CHARACTERS}.`);
  }
  return value.trim().normalize('NFC');
}

export async function createSchool(ctx: SchoolContext, name: string): Promise<SchoolRow> {
  const clean = displayName(name, 'school name');
  if (clean.length < 2 || clean.length > 200)
    throw new AppError('VALIDATION_FAILED', 'School name is empty.');
  if (await ctx.store.accounts.findSchoolByName(clean)) {
    throw new AppError('VALIDATION_FAILED', `A school named "${clean}" already exists.`);
  }
  const at = iso(ctx.now());
  const school: SchoolRow = { id: newId(), name: clean, createdAt: at, updatedAt: at };
  await ctx.store.accounts.insertSchool(school);
  return school;
}

export async function findSchool(ctx: SchoolContext, idOrName: string): Promise<SchoolRow> {
  const school =
    (await ctx.store.accounts.getSchool(idOrName)) ?? (await ctx.store.accounts.findSchoolByName(idOrName));
  if (!school) throw new AppError('NOT_FOUND', `No school "${idOrName}".`);
  return school;
}

export async function createClass(
  ctx: SchoolContext,
  school: string,
  name: string,
  teacher: string | null,
): Promise<ClassRow> {
  const s = await findSchool(ctx, school);
  const clean = displayName(name, 'class name');
  const teacherName = teacher === null ? null : displayName(teacher, 'teacher’s name') || null;
  if (clean.length < 1 || clean.length > 40) throw new AppError('VALIDATION_FAILED', 'Class name is empty.');
  if (await ctx.store.accounts.findClass(s.id, clean)) {
    throw new AppError('VALIDATION_FAILED', `Class "${clean}" already exists in ${s.name}.`);
  }
  const at = iso(ctx.now());
  const cls: ClassRow = {
    id: newId(),
    schoolId: s.id,
    name: clean,
    teacher: teacherName,
    createdAt: at,
    updatedAt: at,
  };
  // The class comes with its parents' chat and its announcements channel.
  await ctx.store.transaction(async (tx) => {
    await tx.accounts.insertClass(cls);
    await ensureClassChats(tx, cls.id, ctx.now);
  });
  return cls;
}

async function findClass(ctx: SchoolContext, school: SchoolRow, name: string): Promise<ClassRow> {
  const cls =
    (await ctx.store.accounts.getClass(name)) ?? (await ctx.store.accounts.findClass(school.id, name.trim()));
  if (!cls || cls.schoolId !== school.id)
    throw new AppError('NOT_FOUND', `No class "${name}" in ${school.name}.`);
  return cls;
}

/**
 * The phone rule of the memo: a child is never registered on a parent's personal
 * number, and a number already in use belongs to its owner.
 */
export async function checkStudentPhone(db: Repos, phone: string): Promise<void> {
  const owner = await db.accounts.findUserByPhone(phone);
  if (!owner) return;
  if (owner.role === 'parent') {
    throw new AppError(
      'PHONE_BELONGS_TO_PARENT',
      'This number belongs to a parent. Do not register a child on a parent’s personal number: use the child’s own number or an e-mail invite.',
    );
  }
  throw new AppError('PHONE_BELONGS_TO_STUDENT', 'This number already belongs to a student account.');
}

export interface NewPerson extends PersonName {
  school: string;
  className?: string | null;
  phone?: string | null;
  email?: string | null;
  birthDate?: string | null;
}

async function insertPerson(ctx: SchoolContext, role: UserRow['role'], input: NewPerson): Promise<UserRow> {
  const name = parseName(input);
  const school = await findSchool(ctx, input.school);
  const cls = input.className ? await findClass(ctx, school, input.className) : null;
  let phone: string | null = null;
  if (input.phone) {
    phone = normalizePhone(input.phone);
    if (!phone) throw new AppError('PHONE_INVALID', 'This is not a Russian mobile number.');
  }
  let email: string | null = null;
  if (input.email) {
    email = normalizeEmail(input.email);
    if (!email) throw new AppError('EMAIL_INVALID', 'This is not an e-mail address.');
    if (await ctx.store.accounts.findUserByEmail(email)) {
      throw new AppError('VALIDATION_FAILED', 'This e-mail address is already in use.');
    }
  }
  if (input.birthDate && !/^\d{4}-\d{2}-\d{2}$/.test(input.birthDate)) {
    throw new AppError('VALIDATION_FAILED', 'The date of birth is YYYY-MM-DD.');
  }
  const at = iso(ctx.now());
  const user: UserRow = {
    id: newId(),
    role,
    surname: name.surname,
    name: name.name,
    patronymic: name.patronymic,
    phone,
    email,
    birthDate: input.birthDate ?? null,
    schoolId: school.id,
    classId: cls?.id ?? null,
    createdAt: at,
    updatedAt: at,
  };
  return ctx.feed.write(async (writer, tx) => {
    if (phone) {
      if (role === 'student') await checkStudentPhone(tx, phone);
      else if (await tx.accounts.findUserByPhone(phone))
        throw new AppError('VALIDATION_FAILED', 'This number is already in use.');
    }
    await tx.accounts.insertUser(user);
    await writer.putPersonWithSchool(user.id);
    // The first teacher account of a class is its class teacher, in the class's chats.
    if (role === 'teacher' && user.classId) await classTeacherLinked(writer, user.classId, user.id, ctx.now);
    return user;
  });
}

export function createTeacher(ctx: SchoolContext, input: NewPerson): Promise<UserRow> {
  if (!input.phone && !input.email)
    throw new AppError('VALIDATION_FAILED', 'A teacher needs a phone or an e-mail.');
  return insertPerson(ctx, 'teacher', input);
}

/**
 * A school administrator: belongs to a school (no class), signs in by phone or e-mail code
 * like a teacher. The role exists so the school's people can sign in; the platform gives it
 * no access to families or documents (see docs/RELIABILITY.md, the authorization matrix).
 */
export function createSchoolAdmin(ctx: SchoolContext, input: NewPerson): Promise<UserRow> {
  if (!input.phone && !input.email)
    throw new AppError('VALIDATION_FAILED', 'An administrator needs a phone or an e-mail.');
  return insertPerson(ctx, 'admin', { ...input, className: null });
}

export function createStudent(ctx: SchoolContext, input: NewPerson): Promise<UserRow> {
  if (!input.phone) throw new AppError('PHONE_INVALID', 'A student created this way needs a phone number.');
  return insertPerson(ctx, 'student', { ...input, email: null });
}

/** A primary-school student with an e-mail and no phone, and their registration link. */
export async function inviteStudentByEmail(
  ctx: SchoolContext,
  input: NewPerson & { email: string },
): Promise<{ user: UserRow; token: string; expiresAt: string }> {
  const user = await insertPerson(ctx, 'student', { ...input, phone: null });
  return { user, ...(await ctx.family.issueEmailRegistration(user.id)) };
}

export function removeLink(ctx: SchoolContext, childId: string, parentId: string): Promise<void> {
  return ctx.family.removeLink(childId, parentId);
}

export interface Listing {
  schools: { id: string; name: string; classes: { id: string; name: string; teacher: string | null }[] }[];
  people: {
    id: string;
    role: string;
    name: string;
    phone: string | null;
    email: string | null;
    school: string | null;
    class: string | null;
  }[];
  links: { childId: string; parentId: string; child: string; parent: string; since: string }[];
}

export async function list(ctx: SchoolContext): Promise<Listing> {
  const { schools, classes, users, links } = await ctx.store.read(async (db) => ({
    schools: await db.accounts.listSchools(),
    classes: await db.accounts.listClasses(),
    users: await db.accounts.listUsers(),
    links: await db.family.allLinks(),
  }));
  const fullName = (u: UserRow): string => `${u.surname} ${u.name} ${u.patronymic}`.trim();
  const usersById = new Map(users.map((u) => [u.id, u]));
  const schoolNames = new Map(schools.map((s) => [s.id, s.name]));
  const classNames = new Map(classes.map((c) => [c.id, c.name]));
  const nameOf = (id: string): string => {
    const u = usersById.get(id);
    return u ? fullName(u) : id;
  };
  return {
    schools: schools.map((s) => ({
      id: s.id,
      name: s.name,
      classes: classes
        .filter((c) => c.schoolId === s.id)
        .map(({ id, name, teacher }) => ({ id, name, teacher })),
    })),
    people: users.map((u) => ({
      id: u.id,
      role: u.role,
      name: fullName(u),
      phone: u.phone,
      email: u.email,
      school: u.schoolId ? (schoolNames.get(u.schoolId) ?? null) : null,
      class: u.classId ? (classNames.get(u.classId) ?? null) : null,
    })),
    links: links.map((l) => ({
      childId: l.childId,
      parentId: l.parentId,
      child: nameOf(l.childId),
      parent: nameOf(l.parentId),
      since: l.createdAt,
    })),
  };
}
