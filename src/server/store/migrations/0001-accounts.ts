import type { Migration } from '../migrate.js';

/** Schools, classes and the people of the platform. */
export const m0001Accounts: Migration = {
  version: 1,
  name: '0001-accounts',
  up(db) {
    db.exec(`
      CREATE TABLE schools (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE classes (
        id TEXT PRIMARY KEY,
        school_id TEXT NOT NULL REFERENCES schools(id),
        name TEXT NOT NULL,
        teacher TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX classes_school ON classes(school_id);
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('parent', 'student', 'teacher', 'admin')),
        surname TEXT NOT NULL,
        name TEXT NOT NULL,
        patronymic TEXT NOT NULL DEFAULT '',
        phone TEXT UNIQUE,
        email TEXT UNIQUE,
        birth_date TEXT,
        school_id TEXT REFERENCES schools(id),
        class_id TEXT REFERENCES classes(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX users_school ON users(school_id);
      CREATE INDEX users_class ON users(class_id);
    `);
  },
};
