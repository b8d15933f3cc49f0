import type { PersonName } from '../../../shared/domain.js';
import type { AccountStore, ClassRow, SchoolRow, UserRow } from '../types.js';
import type { Runner } from './conn.js';

const USER = `id, role, surname, name, patronymic, phone, email, birth_date AS "birthDate",
  school_id AS "schoolId", class_id AS "classId", created_at AS "createdAt", updated_at AS "updatedAt"`;
const SCHOOL = 'id, name, created_at AS "createdAt", updated_at AS "updatedAt"';
/** The class teacher's account's name once one is linked, until then the name the school typed. */
const CLASS = `id, school_id AS "schoolId", name,
  coalesce((SELECT trim(t.surname || ' ' || t.name || ' ' || t.patronymic) FROM users t WHERE t.id = classes.teacher_id),
    teacher) AS teacher,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export class PgAccountStore implements AccountStore {
  constructor(private readonly db: Runner) {}

  private async one<R>(sql: string, params: unknown[]): Promise<R | null> {
    return (await this.db.rows<R>(sql, params))[0] ?? null;
  }

  getUser(id: string): Promise<UserRow | null> {
    return this.one(`SELECT ${USER} FROM users WHERE id = $1`, [id]);
  }
  /** In a write transaction the address stays locked: a check that it is free holds until commit. */
  async findUserByPhone(phone: string): Promise<UserRow | null> {
    await this.db.lock(`user-phone:${phone}`);
    return this.one(`SELECT ${USER} FROM users WHERE phone = $1`, [phone]);
  }
  async findUserByEmail(email: string): Promise<UserRow | null> {
    await this.db.lock(`user-email:${email}`);
    return this.one(`SELECT ${USER} FROM users WHERE email = $1`, [email]);
  }
  async insertUser(u: UserRow): Promise<void> {
    await this.db.count(
      `INSERT INTO users (id, role, surname, name, patronymic, phone, email, birth_date, school_id, class_id,
        created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        u.id,
        u.role,
        u.surname,
        u.name,
        u.patronymic,
        u.phone,
        u.email,
        u.birthDate,
        u.schoolId,
        u.classId,
        u.createdAt,
        u.updatedAt,
      ],
    );
  }
  async updateUserName(id: string, name: PersonName, updatedAt: string): Promise<void> {
    await this.db.count(
      'UPDATE users SET surname = $1, name = $2, patronymic = $3, updated_at = $4 WHERE id = $5',
      [name.surname, name.name, name.patronymic, updatedAt, id],
    );
  }
  getSchool(id: string): Promise<SchoolRow | null> {
    return this.one(`SELECT ${SCHOOL} FROM schools WHERE id = $1`, [id]);
  }
  async findSchoolByName(name: string): Promise<SchoolRow | null> {
    await this.db.lock(`school-name:${name}`);
    return this.one(`SELECT ${SCHOOL} FROM schools WHERE name = $1`, [name]);
  }
  async insertSchool(s: SchoolRow): Promise<void> {
    await this.db.count('INSERT INTO schools (id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)', [
      s.id,
      s.name,
      s.createdAt,
      s.updatedAt,
    ]);
  }
  getClass(id: string): Promise<ClassRow | null> {
    return this.one(`SELECT ${CLASS} FROM classes WHERE id = $1`, [id]);
  }
  async findClass(schoolId: string, name: string): Promise<ClassRow | null> {
    await this.db.lock(`class-name:${schoolId}:${name}`);
    return this.one(`SELECT ${CLASS} FROM classes WHERE school_id = $1 AND name = $2`, [schoolId, name]);
  }
  async insertClass(c: ClassRow): Promise<void> {
    await this.db.count(
      `INSERT INTO classes (id, school_id, name, teacher, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [c.id, c.schoolId, c.name, c.teacher, c.createdAt, c.updatedAt],
    );
  }
  listSchools(): Promise<SchoolRow[]> {
    return this.db.rows(`SELECT ${SCHOOL} FROM schools ORDER BY name COLLATE "C"`);
  }
  listClasses(): Promise<ClassRow[]> {
    return this.db.rows(`SELECT ${CLASS} FROM classes ORDER BY name COLLATE "C"`);
  }
  listUsers(): Promise<UserRow[]> {
    return this.db.rows(
      `SELECT ${USER} FROM users ORDER BY role COLLATE "C", surname COLLATE "C", name COLLATE "C"`,
    );
  }
}
