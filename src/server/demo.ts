import { iso, type Now } from './clock.js';
import type { Feed } from './sync/feed.js';
import type { UserRow } from './store/types.js';
import { newId } from './auth/tokens.js';
import { classTeacherLinked, ensureClassChats } from './chats/membership.js';

export const DEMO_SCHOOL = 'Школа № 1 г. Москвы';
export const DEMO_STUDENT_PHONE = '+79000000001';
export const DEMO_PRIMARY_EMAIL = 'anna.ivanova@example.ru';
/** Not seeded: signing in with it registers a new parent, the way a real parent starts. */
export const DEMO_PARENT_PHONE = '+79000000002';
/** A second child of the same family, at another school (the memo: "even from different schools"). */
export const DEMO_SECOND_SCHOOL = 'Гимназия № 2 г. Москвы';
export const DEMO_SECOND_STUDENT_PHONE = '+79000000003';

/** Listed by /api/info in demo mode and printed at start. */
export const DEMO_ACCOUNTS: readonly { label: string; phone: string | null; email: string | null }[] = [
  { label: 'Ученик 5 А: Иванов Пётр Сергеевич', phone: DEMO_STUDENT_PHONE, email: null },
  { label: 'Ученица 2 Б: Иванова Анна Сергеевна (вход по e-mail)', phone: null, email: DEMO_PRIMARY_EMAIL },
  { label: 'Родитель (новая регистрация)', phone: DEMO_PARENT_PHONE, email: null },
  {
    label: 'Ученица 3 В, другая школа: Иванова Ольга Сергеевна',
    phone: DEMO_SECOND_STUDENT_PHONE,
    email: null,
  },
];

type Person = Pick<UserRow, 'role' | 'surname' | 'name' | 'patronymic' | 'phone' | 'email' | 'birthDate'>;

/**
 * Seeds the demo school so a newcomer can sign in at once. Idempotent: every record is
 * looked up by its natural key first, so restarting with --demo adds nothing twice.
 */
export async function seedDemo(feed: Feed, now: Now): Promise<void> {
  await feed.write(async (writer, tx) => {
    const at = iso(now());
    let school = await tx.accounts.findSchoolByName(DEMO_SCHOOL);
    if (!school) {
      school = { id: newId(), name: DEMO_SCHOOL, createdAt: at, updatedAt: at };
      await tx.accounts.insertSchool(school);
    }
    const schoolId = school.id;
    const ensureClass = async (name: string, teacher: string): Promise<string> => {
      const found = await tx.accounts.findClass(schoolId, name);
      if (found) return found.id;
      const id = newId();
      await tx.accounts.insertClass({ id, schoolId, name, teacher, createdAt: at, updatedAt: at });
      await ensureClassChats(tx, id, now);
      return id;
    };
    const class5a = await ensureClass('5 А', 'Смирнова Ольга Викторовна');
    const class2b = await ensureClass('2 Б', 'Кузнецова Мария Ивановна');

    const ensurePerson = async (
      person: Person,
      classId: string | null,
      exists: () => Promise<UserRow | null>,
    ): Promise<void> => {
      if (await exists()) return;
      const id = newId();
      await tx.accounts.insertUser({ id, ...person, schoolId, classId, createdAt: at, updatedAt: at });
      await writer.putPersonWithSchool(id);
      if (person.role === 'teacher' && classId) await classTeacherLinked(writer, classId, id, now);
    };
    await ensurePerson(
      {
        role: 'teacher',
        surname: 'Смирнова',
        name: 'Ольга',
        patronymic: 'Викторовна',
        phone: null,
        email: 'o.smirnova@school1.example.ru',
        birthDate: null,
      },
      class5a,
      () => tx.accounts.findUserByEmail('o.smirnova@school1.example.ru'),
    );
    await ensurePerson(
      {
        role: 'student',
        surname: 'Иванов',
        name: 'Пётр',
        patronymic: 'Сергеевич',
        phone: DEMO_STUDENT_PHONE,
        email: null,
        birthDate: '2014-03-15',
      },
      class5a,
      () => tx.accounts.findUserByPhone(DEMO_STUDENT_PHONE),
    );
    await ensurePerson(
      {
        role: 'student',
        surname: 'Иванова',
        name: 'Анна',
        patronymic: 'Сергеевна',
        phone: null,
        email: DEMO_PRIMARY_EMAIL,
        birthDate: '2018-09-02',
      },
      class2b,
      () => tx.accounts.findUserByEmail(DEMO_PRIMARY_EMAIL),
    );

    let second = await tx.accounts.findSchoolByName(DEMO_SECOND_SCHOOL);
    if (!second) {
      second = { id: newId(), name: DEMO_SECOND_SCHOOL, createdAt: at, updatedAt: at };
      await tx.accounts.insertSchool(second);
    }
    const secondSchoolId = second.id;
    let class3v = (await tx.accounts.findClass(secondSchoolId, '3 В'))?.id;
    if (!class3v) {
      class3v = newId();
      await tx.accounts.insertClass({
        id: class3v,
        schoolId: secondSchoolId,
        name: '3 В',
        teacher: 'Орлова Елена Павловна',
        createdAt: at,
        updatedAt: at,
      });
    }
    if (!(await tx.accounts.findUserByPhone(DEMO_SECOND_STUDENT_PHONE))) {
      const id = newId();
      await tx.accounts.insertUser({
        id,
        role: 'student',
        surname: 'Иванова',
        name: 'Ольга',
        patronymic: 'Сергеевна',
        phone: DEMO_SECOND_STUDENT_PHONE,
        email: null,
        birthDate: '2016-11-20',
        schoolId: secondSchoolId,
        classId: class3v,
        createdAt: at,
        updatedAt: at,
      });
      await writer.putPersonWithSchool(id);
    }
  });
}
