/**
 * A fresh Node process on the built core (out/main/core.js, `electron-vite build`): opens
 * an existing profile as the app would after a double click, and prints `ready` once the
 * family has been read from the cache. Plain JavaScript, so nothing is compiled on start.
 * Environment: CORE_DATA_DIR (a data directory with settings.json), CORE_SERVER_URL.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const booted = performance.now();
const { createCore } = await import(pathToFileURL(join(import.meta.dirname, '../out/main/core.js')).href);
const loaded = performance.now();
const dataDir = process.env.CORE_DATA_DIR;
const file = join(dataDir, 'settings.json');
const defaults = {
  serverUrl: process.env.CORE_SERVER_URL ?? null,
  language: 'ru',
  theme: 'system',
  notifications: true,
  activeAccountId: null,
  accounts: [],
};
const read = () => (existsSync(file) ? { ...defaults, ...JSON.parse(readFileSync(file, 'utf8')) } : defaults);
const core = await createCore({
  dataDir,
  deviceName: 'Bench desktop',
  // The tests' reversible stand-in for safeStorage (tests/helpers/ports.ts).
  secrets: {
    backend: () => 'os',
    encrypt: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)),
    decrypt: (data) => Buffer.from(data.map((b) => b ^ 0x5a)).toString('utf8'),
  },
  settings: {
    get: read,
    set: (patch) => {
      writeFileSync(`${file}.tmp`, JSON.stringify({ ...read(), ...patch }));
      renameSync(`${file}.tmp`, file);
    },
  },
  logger: { info: () => {}, warn: () => {}, error: (m) => process.stderr.write(`${m}\n`) },
});
const created = performance.now();
const family = core.family.get();
const profile = core.getProfile();
if (!profile || !family) {
  process.stderr.write('The core answered without the cached profile or family\n');
  process.exit(1);
}
process.stdout.write('ready\n');
// Where the time went, in ms since the process started (Node's own start included).
process.stderr.write(
  `phases: node ${booted.toFixed(0)}, modules ${(loaded - booted).toFixed(0)}, createCore ${(created - loaded).toFixed(0)}, family ${(performance.now() - created).toFixed(0)}\n`,
);
await core.close();
process.exit(0);
