import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { fileBody } from '../../src/main/core/documents/tusClient.js';
import { RawDevice, sha256 } from '../helpers/kill/rawDevice.js';
import { portOf, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/**
 * The server files a finished upload's bytes under a blob key, then commits the
 * document. A crash between the two (the kill tests can land there) must not leave
 * bytes no document points at, nor make the client send the whole file again: the
 * client's finish after the restart makes the document from the filed bytes.
 */
it('a finish cut between filing the bytes and the commit is completed by the next finish, from the filed blob', async () => {
  const dir = makeTempDir('sferum-finish-recovery-');
  cleanup.push(async () => dir.remove());
  const dataDir = path.join(dir.path, 'server');
  let ts: TestServer = await startTestServer({ dataDir });
  cleanup.push(() => ts.close());
  const device = new RawDevice(ts.url, 'finish-recovery-device');
  await device.signIn('+79160000077');

  const data = Buffer.alloc(300_000, 7);
  data.write('unique bytes of this test');
  const file = path.join(dir.path, 'scan.pdf');
  fs.writeFileSync(file, data);
  const url = await device.tus.create(data.length, { filename: 'scan.pdf', sha256: sha256(data) });

  // The process "dies" right after the rename: the finish never gets further.
  const blobs = ts.server.context.documents.blobs;
  const adopt = blobs.adopt.bind(blobs);
  let filed: string | null = null;
  blobs.adopt = async (tempPath, key) => {
    await adopt(tempPath, key);
    filed = key;
    return new Promise<void>(() => {});
  };
  const cut = new AbortController();
  const sending = device.tus
    .patch(
      url,
      0,
      data.length,
      fileBody(file, 0, data.length, () => {}),
      cut.signal,
    )
    .catch(() => null);
  await expect.poll(() => filed, { timeout: 5000 }).not.toBeNull();
  cut.abort();
  await sending;
  const port = portOf(ts.url);
  await ts.close();

  ts = await startTestServer({ dataDir, port });
  // The upload is no longer in the upload area; the client asks to finish it, as the core does.
  expect(await device.tus.offset(url)).toBeNull();
  const document = await device.tus.finish(url, undefined, sha256(data));
  expect(document).toMatchObject({ name: 'scan.pdf', size: data.length, sha256: sha256(data) });
  const blobFiles = fs
    .readdirSync(path.join(dataDir, 'blobs'))
    .flatMap((d) => fs.readdirSync(path.join(dataDir, 'blobs', d)));
  expect(blobFiles).toEqual([filed]);
  const response = await fetch(`${ts.url}/api/documents/${document.id}/content`, {
    headers: device.client.authHeaders(),
  });
  expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(data));
  // Finishing again answers the same document.
  expect((await device.tus.finish(url, undefined, sha256(data))).id).toBe(document.id);
});
