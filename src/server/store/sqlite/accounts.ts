import type { PersonName } from '../../../shared/domain.js';
import type { Db } from '../db.js';
import type { AccountStore, ClassRow, SchoolRow, UserRow } from '../types.js';
import type { Sync } from './sync.js';

const USER_COLUMNS = `id, role, surname, name, patronymic, phone, email, birth_date AS birthDate,
  school_id AS schoolId, class_id AS classId, created_at AS createdAt, updated_at AS updatedAt`;
const SCHOOL_COLUMNS = 'id, name, created_at AS createdAt, updated_at AS updatedAt';
/** The class teacher's account's name once one is linked, until then the name the school typed. */
const CLASS_COLUMNS = `id, school_id AS schoolId, name,
  coalesce((SELECT trim(t.surname || ' ' || t.name || ' ' || t.patronymic) FROM users t WHERE t.id = classes.teacher_id),
    teacher) AS teacher,
  created_at AS createdAt, updated_at AS updatedAt`;

export class SqliteAccountStore implements Sync<AccountStore> {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      getUser: db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`),
      byPhone: db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE phone = ?`),
      byEmail: db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE email = ?`),
      insertUser:
        db.prepare(`INSERT INTO users (id, role, surname, name, patronymic, phone, email, birth_date,
          school_id, class_id, created_at, updated_at)
        VALUES (@id, @role, @surname, @name, @patronymic, @phone, @email, @birthDate,
          @schoolId, @classId, @createdAt, @updatedAt)`),
      updateName: db.prepare(
        'UPDATE users SET surname = ?, name = ?, patronymic = ?, updated_at = ? WHERE id = ?',
      ),
      getSchool: db.prepare(`SELECT ${SCHOOL_COLUMNS} FROM schools WHERE id = ?`),
      schoolByName: db.prepare(`SELECT ${SCHOOL_COLUMNS} FROM schools WHERE name = ?`),
      insertSchool: db.prepare(
        'INSERT INTO schools (id, name, created_at, updated_at) VALUES (@id, @name, @createdAt, @updatedAt)',
      ),
      getClass: db.prepare(`SELECT ${CLASS_COLUMNS} FROM classes WHERE id = ?`),
      findClass: db.prepare(`SELECT ${CLASS_COLUMNS} FROM classes WHERE school_id = ? AND name = ?`),
      insertClass: db.prepare(`INSERT INTO classes (id, school_id, name, teacher, created_at, updated_at)
        VALUES (@id, @schoolId, @name, @teacher, @createdAt, @updatedAt)`),
      schools: db.prepare(`SELECT ${SCHOOL_COLUMNS} FROM schools ORDER BY name`),
      classes: db.prepare(`SELECT ${CLASS_COLUMNS} FROM classes ORDER BY name`),
      users: db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY role, surname, name`),
    };
  }

  getUser(id: string): UserRow | null {
    return (this.stmts.getUser.get(id) as UserRow | undefined) ?? null;
  }
  findUserByPhone(phone: string): UserRow | null {
    return (this.stmts.byPhone.get(phone) as UserRow | undefined) ?? null;
  }
  findUserByEmail(email: string): UserRow | null {
    return (this.stmts.byEmail.get(email) as UserRow | undefined) ?? null;
  }
  insertUser(user: UserRow): void {
    this.stmts.insertUser.run(user);
  }
  updateUserName(id: string, name: PersonName, updatedAt: string): void {
    this.stmts.updateName.run(name.surname, name.name, name.patronymic, updatedAt, id);
  }
  getSchool(id: string): SchoolRow | null {
    return (this.stmts.getSchool.get(id) as SchoolRow | undefined) ?? null;
  }
  findSchoolByName(name: string): SchoolRow | null {
    return (this.stmts.schoolByName.get(name) as SchoolRow | undefined) ?? null;
  }
  insertSchool(school: SchoolRow): void {
    this.stmts.insertSchool.run(school);
  }
  getClass(id: string): ClassRow | null {
    return (this.stmts.getClass.get(id) as ClassRow | undefined) ?? null;
  }
  findClass(schoolId: string, name: string): ClassRow | null {
    return (this.stmts.findClass.get(schoolId, name) as ClassRow | undefined) ?? null;
  }
  insertClass(cls: ClassRow): void {
    this.stmts.insertClass.run(cls);
  }
  listSchools(): SchoolRow[] {
    return this.stmts.schools.all() as SchoolRow[];
  }
  listClasses(): ClassRow[] {
    return this.stmts.classes.all() as ClassRow[];
  }
  listUsers(): UserRow[] {
    return this.stmts.users.all() as UserRow[];
  }
}
