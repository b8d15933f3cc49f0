#!/usr/bin/env node
// Writes the licences of the libraries the app ships (the runtime dependencies in
// package-lock.json, and Electron itself) for Settings → About:
//   node scripts/licenses.mjs          (rewrite src/renderer/src/about/licenses.json)
// tests/unit/licenses.test.ts fails when the file is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const LICENSES_FILE = resolve(import.meta.dirname, '../src/renderer/src/about/licenses.json');

export function shippedLicenses() {
  const lock = JSON.parse(readFileSync(resolve(import.meta.dirname, '../package-lock.json'), 'utf8'));
  const byName = new Map();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/')) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (entry.dev && name !== 'electron') continue;
    const license = typeof entry.license === 'string' ? entry.license : 'see package';
    byName.set(`${name}@${entry.version}`, { name, version: entry.version, license });
  }
  return [...byName.values()].sort(
    (a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeFileSync(LICENSES_FILE, `${JSON.stringify(shippedLicenses(), null, 1)}\n`);
  console.log(`Wrote ${LICENSES_FILE}`);
}
