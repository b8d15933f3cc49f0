import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { fileBody } from '../../src/main/core/documents/tusClient.js';
import { SHA256_HEADER } from '../../src/shared/documents/index.js';
import { createTestCore, randomPhone, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { RawDevice } from '../helpers/kill/rawDevice.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/**
 * A core that resumes an upload asks the server for its offset, then sends the rest.
 * If the upload becomes a document in between (the server finished the last request of
 * the core's previous run, which was killed with those bytes already on the wire), the
 * PATCH finds no upload. That is not a failed upload: the core must end with that one
 * document, not report a failure (whose retry would store the file twice).
 */
it('a resumed upload that became a document between the HEAD and the PATCH ends as that one document', async () => {
  const dir = makeTempDir('sferum-resume-race-');
  cleanup.push(() => dir.remove());
  const ts: TestServer = await startTestServer();
  cleanup.push(() => ts.close());
  const phone = randomPhone();
  const tc: TestCore = await createTestCore({
    serverUrl: ts.url,
    uploads: { chunkBytes: 64 * 1024, retryBaseMs: 20, retryMaxMs: 100 },
  });
  cleanup.push(() => tc.dispose());
  await signInAs(tc.core, phone);
  const other = new RawDevice(ts.url, 'resume-race-other-device');
  await other.signIn(phone);

  const data = randomBytes(640 * 1024);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const file = path.join(dir.path, 'report.pdf');
  fs.writeFileSync(file, data);

  // The core sends a first chunk; its second is held until the core has stopped (as a
  // core that was killed would). Then, before its next PATCH, another request of the same
  // person sends the rest, and the upload becomes a document.
  const patch = ts.server.context.documents.patch;
  const original = patch.handle.bind(patch);
  let patches = 0;
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let mode: 'hold' | 'race' | 'pass' = 'hold';
  let raced = false;
  patch.handle = async (req: IncomingMessage, res, userId, id) => {
    patches += 1;
    if (mode === 'hold' && patches === 2) {
      await held;
      return original(req, res, userId, id);
    }
    if (mode === 'race') {
      mode = 'pass';
      raced = true;
      const url = `${ts.url}/api/uploads/${id}`;
      const offset = (await other.tus.offset(url))!;
      const body = fileBody(file, offset, data.length, () => {});
      await other.tus.patch(url, offset, data.length - offset, body, undefined, { [SHA256_HEADER]: sha256 });
    }
    return original(req, res, userId, id);
  };
  await tc.core.documents.enqueuePaths([file], null);
  await waitFor(() => patches === 2, 10_000, 'the second chunk');
  tc.core.documents.uploads.pause(null);
  await tc.core.documents.uploads.whenIdle();
  release();
  mode = 'race';
  tc.core.documents.uploads.resume(null);

  const item = (await waitFor(
    () => {
      const it = tc.core.documents.uploads.state().items[0]!;
      return it.state === 'done' || it.state === 'failed' ? it : null;
    },
    10_000,
    'the upload to end',
  ))!;
  expect(raced).toBe(true);
  expect(item.error).toBeNull();
  expect(item.state).toBe('done');
  const stored = (
    await ts.server.context.documents.service.list((await other.client.call('me')).id)
  ).documents.filter((d) => d.sha256 === sha256);
  expect(stored).toHaveLength(1);
});
