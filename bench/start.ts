/**
 * Start-up benchmark.
 *  - The renderer's first-load JavaScript: the entry script and the modules index.html
 *    preloads, gzipped (what a window downloads and parses before the first screen).
 *  - The main-process core, in Node, on an existing profile: from createCore() to the
 *    answer of the first read, against a raw better-sqlite3 open-and-select of the same
 *    cache file measured in the same run (a warm process: its modules are loaded).
 *  - The same in a fresh process, as after a double click: `node bench/core-child.mjs` on
 *    the built core (out/main/core.js), from the spawn to the family read from the cache,
 *    against a fresh `node` that only opens the cache and selects.
 *
 *   npm run bench:start       (builds the app first when the build is missing or older than src/)
 *
 * Last line: `renderer first-load KiB gz: K; core ready ms: M; fresh process core ready ms: P`.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { createTestCore, randomPhone, signInAs } from '../tests/helpers/core.js';
import { startTestServer } from '../tests/helpers/server.js';

const RENDERER = 'out/renderer';
/** The core as the app's build emits it (an entry of the main bundle, Electron-free). */
const CORE_BUNDLE = 'out/main/core.js';

const phases: string[] = [];

/** Spawns `node args` and resolves with the ms from the spawn to its first line `ready`. */
function msUntilReady(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let ms = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (ms === 0 && out.includes('ready\n')) ms = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && ms > 0) {
        if (err.startsWith('phases:')) phases.push(err.trim());
        resolve(ms);
      } else reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

/**
 * What a parent waits for after a double click, without Electron: a fresh Node process
 * loading the built core, opening the cache and reading the family, from the spawn to the
 * answer (nothing subtracted); against a fresh Node process that only opens the same cache
 * with better-sqlite3 and selects the profile.
 */
async function freshCoreReadyMs(serverUrl: string, dataDir: string, cacheFile: string): Promise<number> {
  const raw = `const D = (await import('better-sqlite3')).default; const db = new D(process.env.CACHE_FILE, { readonly: true });
db.prepare("SELECT data FROM records WHERE entity = 'profile'").get(); db.close(); process.stdout.write('ready\\n');`;
  const runs = 9;
  const core: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(await msUntilReady(['--input-type=module', '-e', raw], { CACHE_FILE: cacheFile }));
    core.push(
      await msUntilReady([join('bench', 'core-child.mjs')], {
        CORE_DATA_DIR: dataDir,
        CORE_SERVER_URL: serverUrl,
      }),
    );
  }
  const coreMs = median(core);
  const bareMs = median(bare);
  console.log(`fresh process, last spawn: ${phases.at(-1) ?? ''}`);
  console.log(
    `fresh process core ready: median ${coreMs.toFixed(1)} ms over ${runs} spawns (worst ${Math.max(...core).toFixed(1)}); ` +
      `fresh process raw open-and-select ${bareMs.toFixed(1)} ms; ratio ${(coreMs / bareMs).toFixed(2)}`,
  );
  return coreMs;
}

/** Whether `file` is missing or older than a source file under `dirs` (a stale build). */
function builtBefore(file: string, dirs: string[]): boolean {
  if (!existsSync(file)) return true;
  const built = statSync(file).mtimeMs;
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const at = join(dir, entry.name);
      return entry.isDirectory() ? newer(at) : statSync(at).mtimeMs > built;
    });
  return dirs.some(newer);
}

function firstLoadKiB(): number {
  if (
    !existsSync(join(RENDERER, 'index.html')) ||
    builtBefore(CORE_BUNDLE, ['src/main', 'src/shared', 'src/node'])
  ) {
    const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('electron-vite build failed');
  }
  const html = readFileSync(join(RENDERER, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script[^>]+src="\.\/([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\.\/([^"]+\.js)"/g),
  ].map((m) => m[1]!);
  let bytes = 0;
  for (const file of new Set(files))
    bytes += gzipSync(readFileSync(join(RENDERER, file)), { level: 9 }).length;
  console.log(`renderer first load: ${files.length} files, ${(bytes / 1024).toFixed(1)} KiB gzipped`);
  return bytes / 1024;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function coreReadyMs(): Promise<{ warm: number; fresh: number }> {
  const server = await startTestServer();
  const setup = await createTestCore({ serverUrl: server.url });
  await signInAs(setup.core, randomPhone());
  await setup.core.syncNow();
  await setup.close();
  const accounts = join(setup.dataDir, 'accounts');
  const cacheFile = join(accounts, readdirSync(accounts)[0]!, 'cache.sqlite');

  const runs = 15;
  const core: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < runs; i++) {
    let started = performance.now();
    const db = new Database(cacheFile, { readonly: true });
    db.prepare("SELECT data FROM records WHERE entity = 'profile'").get();
    db.close();
    raw.push(performance.now() - started);

    started = performance.now();
    const run = await createTestCore({ serverUrl: server.url, dataDir: setup.dataDir });
    const profile = run.core.getProfile();
    core.push(performance.now() - started);
    if (!profile) throw new Error('The core answered without the cached profile');
    await run.close();
  }
  const fresh = await freshCoreReadyMs(server.url, setup.dataDir, cacheFile);
  await setup.dispose();
  await server.close();
  const coreMs = median(core);
  const rawMs = median(raw);
  console.log(
    `core ready: median ${coreMs.toFixed(1)} ms over ${runs} starts; raw open-and-select ${rawMs.toFixed(2)} ms; ` +
      `ratio ${(coreMs / rawMs).toFixed(1)}`,
  );
  return { warm: coreMs, fresh };
}

const kib = firstLoadKiB();
const ms = await coreReadyMs();
console.log(
  `renderer first-load KiB gz: ${kib.toFixed(1)}; core ready ms: ${ms.warm.toFixed(1)}; ` +
    `fresh process core ready ms: ${ms.fresh.toFixed(1)}`,
);
