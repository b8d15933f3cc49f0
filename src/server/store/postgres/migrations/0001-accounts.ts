import type { PgMigration } from '../migrate.js';

/** Schools, classes and the people of the platform (store/migrations/0001-accounts.ts). */
export const m0001Accounts: PgMigration = {
  version: 1,
  name: '0001-accounts',
  async up(client) {
    await client.query(`
      CREATE TABLE schools (
        id text PRIMARY KEY,
        name text NOT NULL,
        created_at text NOT NULL,
        updated_at text NOT NULL
      );
      CREATE TABLE classes (
        id text PRIMARY KEY,
        school_id text NOT NULL REFERENCES schools(id),
        name text NOT NULL,
        teacher text,
        created_at text NOT NULL,
        updated_at text NOT NULL
      );
      CREATE INDEX classes_school ON classes(school_id);
      CREATE TABLE users (
        id text PRIMARY KEY,
        role text NOT NULL CHECK (role IN ('parent', 'student', 'teacher', 'admin')),
        surname text NOT NULL,
        name text NOT NULL,
        patronymic text NOT NULL DEFAULT '',
        phone text UNIQUE,
        email text UNIQUE,
        birth_date text,
        school_id text REFERENCES schools(id),
        class_id text REFERENCES classes(id),
        created_at text NOT NULL,
        updated_at text NOT NULL
      );
      CREATE INDEX users_school ON users(school_id);
      CREATE INDEX users_class ON users(class_id);
    `);
  },
};
