import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCore, randomPhone, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

/** Settings → storage: copies of opened documents can be cleared; documents kept offline stay. */
describe('local copies of documents', () => {
  let server: TestServer;
  let app: TestCore;
  const files = makeTempDir('sferum-local-copies-');

  beforeAll(async () => {
    server = await startTestServer();
    app = await createTestCore({
      serverUrl: server.url,
      shell: { openPath: async () => undefined, showItemInFolder: () => undefined },
    });
    await signInAs(app.core, randomPhone());
  });
  afterAll(async () => {
    await app?.dispose();
    await server?.close();
    files.remove();
  });

  it('counts opened and kept copies, and clears only the opened ones', async () => {
    const scan = path.join(files.path, 'Справка.pdf');
    const photo = path.join(files.path, 'Фото.jpg');
    fs.writeFileSync(scan, Buffer.alloc(30_000, 1));
    fs.writeFileSync(photo, Buffer.alloc(20_000, 2));
    await app.core.documents.enqueuePaths([scan, photo], null);
    await app.core.documents.uploads.whenIdle();
    await waitFor(
      () => app.core.documents.list({ view: 'folder', folderId: null }).total === 2,
      10_000,
      'both documents in the cache',
    );
    const items = app.core.documents.list({ view: 'folder', folderId: null }).items;
    const byName = (name: string) => items.find((i) => i.name === name)!.id;

    expect(await app.core.documents.storage()).toEqual({ cacheBytes: 0, keptBytes: 0 });
    await app.core.documents.open(byName('Справка.pdf'));
    await app.core.documents.keepOffline(byName('Фото.jpg'), true);
    expect(await app.core.documents.storage()).toEqual({ cacheBytes: 30_000, keptBytes: 20_000 });

    await app.core.documents.clearCache();
    expect(await app.core.documents.storage()).toEqual({ cacheBytes: 0, keptBytes: 20_000 });
    // The opened document can still be opened again: it is downloaded anew.
    await app.core.documents.open(byName('Справка.pdf'));
    expect((await app.core.documents.storage()).cacheBytes).toBe(30_000);
  });
});
