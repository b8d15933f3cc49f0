/**
 * Start-up benchmark.
 *  - The renderer's first-load JavaScript: the entry script and the modules index.html
 *    preloads, gzipped (what a window downloads and parses before the first screen).
 *  - The main-process core, in Node, on an existing profile: from createCore() to the
 *    answer of the first read, against a raw better-sqlite3 open-and-select of the same
 *    cache file measured in the same run.
 *
 *   npm run bench:start       (builds the renderer first if needed)
 *
 * Last line: `renderer first-load KiB gz: K; core ready ms: M`.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { createTestCore, randomPhone, signInAs } from '../tests/helpers/core.js';
import { startTestServer } from '../tests/helpers/server.js';

const RENDERER = 'out/renderer';

function firstLoadKiB(): number {
  if (!existsSync(join(RENDERER, 'index.html'))) {
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

async function coreReadyMs(): Promise<number> {
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
  await setup.dispose();
  await server.close();
  const coreMs = median(core);
  const rawMs = median(raw);
  console.log(
    `core ready: median ${coreMs.toFixed(1)} ms over ${runs} starts; raw open-and-select ${rawMs.toFixed(2)} ms; ` +
      `ratio ${(coreMs / rawMs).toFixed(1)}`,
  );
  return coreMs;
}

const kib = firstLoadKiB();
const ms = await coreReadyMs();
console.log(`renderer first-load KiB gz: ${kib.toFixed(1)}; core ready ms: ${ms.toFixed(1)}`);
