import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpcRouter, type IpcRouter } from '../../src/main/core/ipc.js';
import { GRANT_TTL_MS, PathGrants } from '../../src/main/core/documents/grants.js';
import { isTrustedFrameUrl } from '../../src/main/security.js';
import { DROPPED_PATHS_CHANNEL } from '../../src/shared/documents/ipc.js';
import { bridgeName, createBridge } from '../../src/shared/ipc.js';
import {
  createTestCore,
  createTestLogger,
  randomPhone,
  signInAs,
  waitFor,
  type TestCore,
} from '../helpers/core.js';
import { createFakeDialogs } from '../helpers/ports.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

/**
 * documents.enqueuePaths from the renderer takes only paths the person chose: dropped on the
 * window (the preload reports those on a channel of its own) or picked in the system dialog.
 * A path the page names by itself, such as a secret file elsewhere on the computer, is
 * refused with UPLOAD_PATH_NOT_GRANTED and never reaches the server. The real core, signed
 * in against a real server, driven through its IPC router as Electron drives it.
 */

const TRUSTED = { frameUrl: 'app://sferum/index.html' };
let server: TestServer;
let tc: TestCore;
let router: IpcRouter;
let dir: { path: string; remove(): void };
const dialogs = createFakeDialogs();
let secret: string;

function write(rel: string, text: string): string {
  const p = path.join(dir.path, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

const enqueue = (paths: string[]) =>
  router.invoke('documents.enqueuePaths', { paths, folderId: null }, TRUSTED);

const NOT_GRANTED = { ok: false, error: { code: 'UPLOAD_PATH_NOT_GRANTED', message: expect.any(String) } };

/** Names of the documents the server holds for this parent, once the uploads are done. */
async function onServer(): Promise<string[]> {
  await tc.core.documents.uploads.whenIdle();
  await tc.core.syncNow();
  return tc.core.documents
    .list({ view: 'search', folderId: null, query: '', limit: 100 })
    .items.filter((i) => i.kind === 'document')
    .map((i) => i.name)
    .sort();
}

beforeAll(async () => {
  dir = makeTempDir('sferum-grants-');
  secret = write('elsewhere/id_ed25519', 'PRIVATE KEY');
  server = await startTestServer();
  tc = await createTestCore({ serverUrl: server.url, dialogs });
  await signInAs(tc.core, randomPhone());
  router = createIpcRouter(tc.core, { isTrustedSender: isTrustedFrameUrl, logger: createTestLogger() });
}, 30_000);

afterAll(async () => {
  await tc?.dispose();
  await server?.close();
  dir?.remove();
});

describe('paths the renderer may enqueue', () => {
  it('refuses a path the page names by itself, and nothing is uploaded', async () => {
    expect(await enqueue([secret])).toEqual(NOT_GRANTED);
    // Nor through a folder above it, nor mixed in with a path that was dropped.
    const dropped = write('drop0/заявление.txt', 'заявление');
    expect(router.droppedPaths([dropped], TRUSTED)).toBe(true);
    expect(await enqueue([dropped, secret])).toEqual(NOT_GRANTED);
    expect(await enqueue([path.dirname(secret)])).toEqual(NOT_GRANTED);
    expect(tc.core.documents.uploads.state().total.files).toBe(0);
    expect(await onServer()).toEqual([]);
  });

  it('takes a dropped file, and files inside a dropped folder, once', async () => {
    const file = write('drop1/справка.txt', 'справка');
    const folder = path.join(dir.path, 'drop1/Концерт');
    const inner = write('drop1/Концерт/программа.txt', 'программа');
    expect(router.droppedPaths([file, folder], TRUSTED)).toBe(true);
    expect(await enqueue([file])).toEqual({ ok: true, value: { added: 1, refused: [] } });
    expect(await enqueue([inner])).toEqual({ ok: true, value: { added: 1, refused: [] } });
    // Each grant is used up by the enqueue it allowed: the same drop cannot be sent again.
    expect(await enqueue([file])).toEqual(NOT_GRANTED);
    expect(await enqueue([inner])).toEqual(NOT_GRANTED);
    // A path that climbs out of a dropped folder is not inside it.
    expect(router.droppedPaths([folder], TRUSTED)).toBe(true);
    expect(await enqueue([path.join(folder, '..', '..', 'elsewhere', 'id_ed25519')])).toEqual(NOT_GRANTED);
    expect(await onServer()).toEqual(['программа.txt', 'справка.txt']);
  });

  it('takes the files picked in the system dialog', async () => {
    dialogs.picks = [write('picked/фото.txt', 'фото')];
    expect(await router.invoke('documents.pickFiles', { folderId: null }, TRUSTED)).toEqual({
      ok: true,
      value: { added: 1, refused: [] },
    });
    await waitFor(async () => (await onServer()).includes('фото.txt'), 10_000, 'the picked file');
  });

  it('grants nothing from an untrusted frame, from malformed reports, or from the page', async () => {
    for (const frameUrl of [null, 'https://evil.example/', 'file:///tmp/x.html']) {
      expect(router.droppedPaths([secret], { frameUrl })).toBe(false);
    }
    for (const input of [secret, [], [''], [42], ['x'.repeat(5000)], null, { paths: [secret] }]) {
      expect(router.droppedPaths(input, TRUSTED)).toBe(false);
    }
    // The page's bridge has no function for the preload's channel, and invoking it is unknown.
    const bridge = createBridge({
      invoke: async () => ({ ok: true, value: null }),
      subscribe: () => () => {},
    });
    expect(Object.keys(bridge)).not.toContain(bridgeName(DROPPED_PATHS_CHANNEL));
    expect(await router.invoke(DROPPED_PATHS_CHANNEL, [secret], TRUSTED)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await enqueue([secret])).toEqual(NOT_GRANTED);
    expect(await onServer()).not.toContain('id_ed25519');
  });

  it('lets a grant lapse a short while after the drop', () => {
    let now = 1_000_000;
    const grants = new PathGrants(() => now);
    grants.add([secret]);
    now += GRANT_TTL_MS;
    expect(() => grants.take([secret])).toThrow(expect.objectContaining({ code: 'UPLOAD_PATH_NOT_GRANTED' }));
    grants.add([secret]);
    now += GRANT_TTL_MS - 1;
    expect(() => grants.take([secret])).not.toThrow();
  });
});
