/**
 * One desktop client for bench/upload.ts, in a process of its own (so its memory can
 * be measured and it can be killed): the real core on a data directory, signed in by
 * the demo code, uploading one file through the persisted queue. Restarted on the same
 * data directory, it continues the upload it finds there.
 *
 *   node --import tsx bench/upload-client.ts <serverUrl> <dataDir> <file> <phone> <chunkBytes>
 *
 * Prints JSON lines: {"ready":true}, {"sent":N}, {"done":true,"ms":T}.
 */
import { performance } from 'node:perf_hooks';
import { createTestCore, signInAs } from '../tests/helpers/core.js';

const [serverUrl, dataDir, file, phone, chunk] = process.argv.slice(2);
if (!serverUrl || !dataDir || !file || !phone)
  throw new Error('usage: upload-client <url> <dir> <file> <phone> [chunk]');

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

const test = await createTestCore({
  serverUrl,
  dataDir,
  uploads: { chunkBytes: Number(chunk) || 64 * 1024 * 1024, retryBaseMs: 100, retryMaxMs: 1000 },
});
const { core } = test;
if (!core.getState().accounts.some((a) => a.signedIn)) await signInAs(core, phone);
print({ ready: true });
await new Promise((r) => setTimeout(r, 500));
const started = performance.now();
if (core.documents.uploads.state().total.files === 0) await core.documents.enqueuePaths([file], null);
let last = -1;
for (;;) {
  const state = core.documents.uploads.state();
  if (state.total.sent !== last) {
    last = state.total.sent;
    print({ sent: last });
  }
  if (state.total.done === 1) break;
  if (state.total.failed > 0) {
    print({ failed: state.items[0]?.error });
    process.exit(1);
  }
  // Finely once every byte is out, so the end of the upload is seen within a few ms.
  await new Promise((r) => setTimeout(r, state.total.sent >= state.total.bytes ? 5 : 50));
}
print({ done: true, ms: performance.now() - started });
await test.close();
process.exit(0);
