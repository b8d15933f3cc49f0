import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THUMBNAIL_MAX_BYTES } from '../../src/shared/documents/ipc.js';
import { createIpcRouter } from '../../src/main/core/ipc.js';
import { createTestCore, randomPhone, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { png } from '../helpers/png.js';
import { makeTempDir } from '../helpers/tempDir.js';

describe('documents.thumbnail', () => {
  let server: TestServer;
  let app: TestCore;
  const files = makeTempDir('sferum-thumbnails-');

  beforeAll(async () => {
    server = await startTestServer();
    app = await createTestCore({ serverUrl: server.url });
    await signInAs(app.core, randomPhone());
  });
  afterAll(async () => {
    await app?.dispose();
    await server?.close();
    files.remove();
  });

  it('answers a data: URL for a small image and null for a large image or a non-image', async () => {
    const small = png(4);
    const write = (name: string, data: Buffer) => {
      const p = path.join(files.path, name);
      fs.writeFileSync(p, data);
      return p;
    };
    const paths = [
      write('Точка.png', small),
      write('Плакат.png', png(4, THUMBNAIL_MAX_BYTES)),
      write('Справка.pdf', Buffer.alloc(10_000, 1)),
    ];
    await app.core.documents.enqueuePaths(paths, null);
    await app.core.documents.uploads.whenIdle();
    await waitFor(
      () => app.core.documents.list({ view: 'folder', folderId: null }).total === 3,
      10_000,
      'the three documents in the cache',
    );
    const items = app.core.documents.list({ view: 'folder', folderId: null }).items;
    const id = (name: string) => items.find((i) => i.name === name)!.id;
    const router = createIpcRouter(app.core, { isTrustedSender: () => true });
    const thumbnail = (name: string) =>
      router.invoke('documents.thumbnail', { id: id(name) }, { frameUrl: 'app://renderer/' });

    expect(await thumbnail('Точка.png')).toEqual({
      ok: true,
      value: { url: `data:image/png;base64,${small.toString('base64')}` },
    });
    // Asked again, the answer comes from memory (the same string).
    expect(await thumbnail('Точка.png')).toEqual({
      ok: true,
      value: { url: `data:image/png;base64,${small.toString('base64')}` },
    });
    expect(await thumbnail('Плакат.png')).toEqual({ ok: true, value: { url: null } });
    expect(await thumbnail('Справка.pdf')).toEqual({ ok: true, value: { url: null } });
    // Nothing was downloaded for them.
    expect((await app.core.documents.storage()).cacheBytes).toBe(small.length);
  });
});
