import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { LICENSES_FILE, shippedLicenses } from '../../scripts/licenses.mjs';

describe('licences shown in Settings → About', () => {
  it('lists every library the app ships, with its licence, as package-lock.json has them', () => {
    const listed = JSON.parse(readFileSync(LICENSES_FILE, 'utf8')) as { name: string; license: string }[];
    expect(listed, 'run: node scripts/licenses.mjs').toEqual(shippedLicenses());
    const names = listed.map((entry) => entry.name);
    for (const name of ['react', 'zod', 'fastify', 'better-sqlite3', 'electron'])
      expect(names).toContain(name);
    expect(names).not.toContain('vitest');
  });
});
