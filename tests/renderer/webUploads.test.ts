import { beforeEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/shared/apiClient.js';
import { createEmitter } from '../../src/renderer/src/backend/emitter.js';
import { createWebDocuments } from '../../src/renderer/src/documents/webDocuments.js';

/**
 * The web version remembers unfinished uploads in the browser's storage: after the page
 * is closed each parent sees their own, with what the server holds, and nothing breaks
 * on a damaged entry. (The whole flow, with a real server and browser, is in the e2e
 * documents test.)
 */

const saved = (sent: number, uploadUrl: string | null) => ({
  id: 'up1',
  name: 'Концерт.mp4',
  size: 2_000_000,
  sent,
  lastModified: 1_700_000_000_000,
  folderId: null,
  sha256: 'a'.repeat(64),
  uploadUrl,
});

function documentsFor(user: () => string | null, heads: string[] = []) {
  const fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    if (init.method === 'HEAD') {
      heads.push(String(input));
      return new Response(null, { status: 200, headers: { 'upload-offset': '750000' } });
    }
    return new Response('{}', { status: 503 });
  }) as typeof globalThis.fetch;
  const api = createApiClient({
    baseUrl: 'http://school.test',
    deviceId: 'd1',
    tokens: { get: () => null, set: () => undefined },
    fetch,
  });
  return createWebDocuments({ api, emitter: createEmitter(), fetch, storage: localStorage, userId: user });
}

describe('web uploads across page loads', () => {
  beforeEach(() => localStorage.clear());

  it("shows a parent's unfinished upload after a reload, with the server's offset, and no one else's", async () => {
    localStorage.setItem(
      'sferum.uploads.mother',
      JSON.stringify([saved(1_900_000, 'http://school.test/api/uploads/x1')]),
    );
    let who: string | null = 'father';
    const heads: string[] = [];
    const docs = documentsFor(() => who, heads);
    expect((await docs.uploadsGetState()).items).toEqual([]);
    who = 'mother';
    const [item] = (await docs.uploadsGetState()).items;
    expect(item).toMatchObject({
      name: 'Концерт.mp4',
      state: 'failed',
      error: { code: 'UPLOAD_FILE_NEEDED' },
    });
    // The page had counted 1.9 MB as sent; the server holds 750 KB.
    await expect
      .poll(async () => (await docs.uploadsGetState()).items[0]?.sent, { timeout: 5000 })
      .toBe(750_000);
    expect(heads).toEqual(['http://school.test/api/uploads/x1']);
    // Still remembered for the next load; the father's list stays empty.
    expect(JSON.parse(localStorage.getItem('sferum.uploads.mother')!)).toHaveLength(1);
    expect(localStorage.getItem('sferum.uploads.father')).toBeNull();
  });

  it('cancelling forgets it, and a damaged entry is dropped without breaking the page', async () => {
    localStorage.setItem('sferum.uploads.mother', JSON.stringify([saved(500, null)]));
    const docs = documentsFor(() => 'mother');
    const [item] = (await docs.uploadsGetState()).items;
    await docs.uploadsCancel({ id: item!.id });
    await expect.poll(() => localStorage.getItem('sferum.uploads.mother'), { timeout: 5000 }).toBeNull();

    localStorage.setItem('sferum.uploads.mother', '{not json');
    expect((await documentsFor(() => 'mother').uploadsGetState()).items).toEqual([]);
  });
});

describe('the web list after a change that lands while it is being read', () => {
  it('reads again: an upload finishing mid-read shows in the folder', async () => {
    const doc = (id: string, name: string) => ({
      id,
      folderId: null,
      name,
      size: 10,
      mime: 'application/pdf',
      sha256: 'b'.repeat(64),
      createdAt: '2026-12-01T10:00:00.000Z',
      updatedAt: '2026-12-01T10:00:00.000Z',
      trashedAt: null,
      trashRoot: null,
    });
    const quota = { usedBytes: 0, limitBytes: 1_000_000, maxFileBytes: 1_000_000 };
    // The server's list: the second document arrives while the first read is on its way.
    let documents = [doc('doc000000001', 'грамота.pdf')];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const fetch = (async () => {
      reads += 1;
      const body = JSON.stringify({ folders: [], documents, quota });
      if (reads === 1) await held;
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof globalThis.fetch;
    const api = createApiClient({
      baseUrl: 'http://school.test',
      deviceId: 'd1',
      tokens: { get: () => null, set: () => undefined },
      fetch,
    });
    const emitter = createEmitter();
    const docs = createWebDocuments({ api, emitter, fetch, storage: localStorage, userId: () => 'mother' });
    const names = async () =>
      (await docs.documentsList({ view: 'folder', folderId: null, limit: 50 })).items.map((i) => i.name);

    const first = names();
    await expect.poll(() => reads).toBe(1);
    documents = [...documents, doc('doc000000002', 'олимпиада.pdf')];
    emitter.emit('cache.changed', { entities: ['document'] });
    const second = names();
    release();
    expect(await first).toEqual(['грамота.pdf']);
    expect(await second).toEqual(['грамота.pdf', 'олимпиада.pdf']);
    // And the list kept is the fresh one.
    expect(await names()).toEqual(['грамота.pdf', 'олимпиада.pdf']);
  });
});
