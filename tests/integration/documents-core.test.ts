import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { UploadQueueState } from '../../src/shared/documents/ipc.js';
import { createTestCore, randomPhone, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { portOf, startTestServer, type TestServer } from '../helpers/server.js';
import { startProxy } from '../helpers/proxy.js';
import { makeTempDir } from '../helpers/tempDir.js';

const CHUNK = 64 * 1024;
let server: TestServer;
let files: { path: string; remove(): void };
const cores: TestCore[] = [];

beforeAll(async () => {
  server = await startTestServer({
    config: { quotaBytes: 64 * 1024 * 1024, maxFileBytes: 16 * 1024 * 1024 },
  });
  files = makeTempDir('sferum-upload-src-');
});
afterEach(async () => {
  for (const c of cores.splice(0)) await c.dispose();
});
afterAll(async () => {
  await server?.close();
  files?.remove();
});

async function newCore(serverUrl = server.url): Promise<TestCore> {
  const c = await createTestCore({
    serverUrl,
    uploads: { chunkBytes: CHUNK, retryBaseMs: 50, retryMaxMs: 300 },
  });
  cores.push(c);
  return c;
}

function writeFile(rel: string, data: Buffer): string {
  const p = path.join(files.path, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  return p;
}

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function uploadsState(c: TestCore): UploadQueueState {
  return c.core.documents.uploads.state();
}

async function waitQueue(
  c: TestCore,
  check: (s: UploadQueueState) => boolean,
  label: string,
  timeout = 20_000,
): Promise<UploadQueueState> {
  return (await waitFor(() => (check(uploadsState(c)) ? uploadsState(c) : null), timeout, label))!;
}

async function serverDocs(c: TestCore) {
  await c.core.syncNow();
  return c.core.documents.list({ view: 'search', folderId: null, query: '', limit: 1000 });
}

describe('core upload queue', () => {
  it('uploads files and a dropped folder keeping its structure; a second device sees them', async () => {
    const phone = randomPhone();
    const laptop = await newCore();
    await signInAs(laptop.core, phone);
    const a = randomBytes(150_000);
    const b = randomBytes(70_000);
    const inner = randomBytes(90_000);
    const pa = writeFile('s1/Справка.pdf', a);
    const pb = writeFile('s1/photo.jpg', b);
    writeFile('s1/Концерт/Видео/clip.mp4', inner);
    writeFile('s1/Концерт/readme.txt', Buffer.from('hello'));
    const result = await laptop.core.documents.enqueuePaths(
      [pa, pb, path.join(files.path, 's1/Концерт')],
      null,
    );
    expect(result).toEqual({ added: 4, refused: [] });
    await waitQueue(laptop, (s) => s.total.done === 4, 'four uploads');
    const state = uploadsState(laptop);
    expect(state.total).toMatchObject({
      files: 4,
      done: 4,
      failed: 0,
      bytes: a.length + b.length + inner.length + 5,
    });

    // The top level shows both files and the folder; the folder keeps its structure.
    await waitFor(
      async () => {
        await laptop.core.syncNow();
        return laptop.core.documents.list({ view: 'folder', folderId: null }).total === 3;
      },
      10_000,
      'top level',
    );
    const top = laptop.core.documents.list({ view: 'folder', folderId: null });
    expect(top.items.map((i) => [i.kind, i.name])).toEqual([
      ['folder', 'Концерт'],
      ['document', 'photo.jpg'],
      ['document', 'Справка.pdf'],
    ]);
    const concert = top.items[0]!.id;
    const inside = laptop.core.documents.list({ view: 'folder', folderId: concert });
    expect(inside.items.map((i) => i.name)).toEqual(['Видео', 'readme.txt']);
    const video = laptop.core.documents.list({ view: 'folder', folderId: inside.items[0]!.id });
    expect(video.breadcrumbs.map((b) => b.name)).toEqual(['Концерт', 'Видео']);
    expect(video.items.map((i) => [i.name, i.size])).toEqual([['clip.mp4', inner.length]]);

    // Another device of the same person: the feed brings everything.
    const phoneDevice = await newCore();
    await signInAs(phoneDevice.core, phone);
    const seen = await waitFor(
      async () => {
        const list = await serverDocs(phoneDevice);
        return list.total === 6 ? list : null;
      },
      10_000,
      'second device',
    );
    expect(
      seen!.items
        .filter((i) => i.kind === 'document')
        .map((i) => i.name)
        .sort(),
    ).toEqual(['clip.mp4', 'photo.jpg', 'readme.txt', 'Справка.pdf'].sort());
    // Search is by name, case-insensitive, in any language.
    expect(
      phoneDevice.core.documents.list({ view: 'search', folderId: null, query: 'СПРАВ' }).items[0]?.name,
    ).toBe('Справка.pdf');
    expect(
      phoneDevice.core.documents.list({ view: 'search', folderId: null, query: 'jp' }).items[0]?.name,
    ).toBe('photo.jpg');
    // One Cyrillic letter, either case: every name containing it, folders first, with the total.
    const search = (query: string, limit = 100) =>
      phoneDevice.core.documents.list({ view: 'search', folderId: null, query, limit });
    expect(search('Е').items.map((i) => i.name)).toEqual(['Видео', 'Концерт']);
    expect(search('е').total).toBe(2);
    expect(search('е', 1)).toMatchObject({ total: 2, items: [{ name: 'Видео' }] });
    expect(search('с').items.map((i) => i.name)).toEqual(['Справка.pdf']);
    expect(search('ж')).toMatchObject({ total: 0, items: [] });

    // Opening downloads a verified copy and hands it to the system.
    const opened: string[] = [];
    const third = await createTestCore({
      serverUrl: server.url,
      shell: { openPath: async (p) => void opened.push(p), showItemInFolder: () => {} },
    });
    cores.push(third);
    await signInAs(third.core, phone);
    await waitFor(async () => (await serverDocs(third)).total === 6, 10_000, 'third device');
    const doc = third.core.documents.list({ view: 'search', folderId: null, query: 'Справка' }).items[0]!;
    await third.core.documents.open(doc.id);
    expect(opened).toHaveLength(1);
    expect(sha(fs.readFileSync(opened[0]!))).toBe(sha(a));
  });

  it('refuses bad items one by one and leaves the rest of the queue alone', async () => {
    const c = await newCore();
    await signInAs(c.core, randomPhone());
    const good = writeFile('s2/good.txt', randomBytes(1000));
    const empty = writeFile('s2/empty.txt', Buffer.alloc(0));
    const big = writeFile('s2/big.bin', Buffer.alloc(17 * 1024 * 1024, 1));
    const fifo = path.join(files.path, 's2/pipe');
    execFileSync('mkfifo', [fifo]);
    const result = await c.core.documents.enqueuePaths(
      [good, empty, big, fifo, path.join(files.path, 'missing')],
      null,
    );
    expect(result.added).toBe(1);
    expect(result.refused.map((r) => [r.name, r.code])).toEqual([
      ['empty.txt', 'FILE_EMPTY'],
      ['big.bin', 'FILE_TOO_LARGE'],
      ['pipe', 'UPLOAD_NOT_A_FILE'],
      ['missing', 'FILE_UNREADABLE'],
    ]);
    await waitQueue(c, (s) => s.total.done === 1, 'the good file');
  });

  it('refuses a folder of more than 10,000 files whole', async () => {
    const c = await newCore();
    await signInAs(c.core, randomPhone());
    const dir = path.join(files.path, 's3/many');
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i <= 10_000; i++) fs.writeFileSync(path.join(dir, `f${i}.txt`), 'x');
    await expect(c.core.documents.enqueuePaths([dir], null)).rejects.toMatchObject({
      code: 'UPLOAD_TOO_MANY_FILES',
    });
    expect(uploadsState(c).total.files).toBe(0);
  }, 60_000);

  it('pauses, resumes and cancels', async () => {
    const c = await newCore();
    await signInAs(c.core, randomPhone());
    const one = writeFile('s4/one.bin', randomBytes(4 * 1024 * 1024));
    const two = writeFile('s4/two.bin', randomBytes(2 * 1024 * 1024));
    await c.core.documents.enqueuePaths([one, two], null);
    await waitQueue(c, (s) => s.items.some((i) => i.name === 'one.bin' && i.sent > CHUNK), 'progress');
    c.core.documents.uploads.pause(null);
    await c.core.documents.uploads.whenIdle();
    const paused = uploadsState(c);
    expect(paused.items.every((i) => i.state === 'paused' || i.state === 'done')).toBe(true);
    const twoId = paused.items.find((i) => i.name === 'two.bin')!.id;
    const oneId = paused.items.find((i) => i.name === 'one.bin')!.id;
    if (paused.items.find((i) => i.id === twoId)!.state !== 'done') c.core.documents.uploads.cancel(twoId);
    c.core.documents.uploads.resume(oneId);
    await waitQueue(c, (s) => s.items.find((i) => i.id === oneId)?.state === 'done', 'one done');
    const list = await serverDocs(c);
    expect(list.items.map((i) => i.name)).toContain('one.bin');
  });

  it('survives the server going away mid-upload and continues from its offset', async () => {
    const dataDir = makeTempDir('sferum-restart-server-');
    let s = await startTestServer({ dataDir: dataDir.path });
    const port = portOf(s.url);
    // The home connection holds the upload still after 1 MiB, so the cut below always
    // lands mid-upload, however busy the machine.
    const line = await startProxy(port, { holdAfterBytes: 1024 * 1024 });
    try {
      const c = await newCore(line.url);
      await signInAs(c.core, randomPhone());
      const data = randomBytes(4 * 1024 * 1024);
      const p = writeFile('s5/concert.mp4', data);
      await c.core.documents.enqueuePaths([p], null);
      await line.held;
      // Pause so the cut happens between chunks, then pull the cable.
      c.core.documents.uploads.pause(null);
      await c.core.documents.uploads.whenIdle();
      const before = uploadsState(c).items[0]!.sent;
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(data.length);
      await s.close();
      line.release();
      c.core.documents.uploads.resume(null);
      await waitQueue(c, (st) => st.offline, 'offline');
      s = await startTestServer({ dataDir: dataDir.path, port });
      await waitQueue(c, (st) => st.total.done === 1, 'done after the server came back');
      const doc = await waitFor(async () => (await serverDocs(c)).items[0], 10_000, 'document');
      expect(doc!.size).toBe(data.length);
    } finally {
      await line.close();
      await s.close();
      dataDir.remove();
    }
  });

  it('continues after the app restarts, asking the server for the offset', async () => {
    const line = await startProxy(portOf(server.url), { holdAfterBytes: 1024 * 1024 });
    try {
      let c = await newCore(line.url);
      await signInAs(c.core, randomPhone());
      const data = randomBytes(3 * 1024 * 1024);
      const p = writeFile('s6/video.mp4', data);
      await c.core.documents.enqueuePaths([p], null);
      await line.held;
      // Quitting the app: transfers stop where they are, rows stay in the cache.
      c = await c.restart();
      cores.push(c);
      const resumed = uploadsState(c).items[0]!;
      expect(resumed.sent).toBeGreaterThan(0);
      expect(resumed.sent).toBeLessThan(data.length);
      line.release();
      await waitQueue(c, (st) => st.total.done === 1, 'done after restart');
      const doc = await waitFor(async () => (await serverDocs(c)).items[0], 10_000, 'document');
      expect(doc!.size).toBe(data.length);
    } finally {
      await line.close();
    }
  });

  it('detects a file that changes on disk while it uploads and stores nothing', async () => {
    const line = await startProxy(portOf(server.url), { holdAfterBytes: 1024 * 1024 });
    try {
      const c = await newCore(line.url);
      await signInAs(c.core, randomPhone());
      const p = writeFile('s7/changing.bin', randomBytes(3 * 1024 * 1024));
      const other = writeFile('s7/other.bin', randomBytes(100_000));
      await c.core.documents.enqueuePaths([p], null);
      await line.held;
      fs.appendFileSync(p, 'more');
      line.release();
      await c.core.documents.enqueuePaths([other], null);
      const state = await waitQueue(
        c,
        (st) => st.total.failed === 1 && st.total.done === 1,
        'one failed, one done',
      );
      expect(state.items.find((i) => i.name === 'changing.bin')?.error?.code).toBe('FILE_CHANGED');
      const list = await serverDocs(c);
      expect(list.items.map((i) => i.name)).toEqual(['other.bin']);
    } finally {
      await line.close();
    }
  });

  it('refuses an upload over the quota before a byte is sent', async () => {
    const small = await startTestServer({ config: { quotaBytes: 200_000 } });
    try {
      const c = await newCore(small.url);
      await signInAs(c.core, randomPhone());
      const fits = writeFile('s8/fits.bin', randomBytes(150_000));
      await c.core.documents.enqueuePaths([fits], null);
      await waitQueue(c, (st) => st.total.done === 1, 'first');
      const tooMuch = writeFile('s8/too-much.bin', randomBytes(100_000));
      const result = await c.core.documents.enqueuePaths([tooMuch], null);
      // Known quota: refused in the app; otherwise the server refuses at creation.
      if (result.added === 0) {
        expect(result.refused[0]?.code).toBe('QUOTA_EXCEEDED');
      } else {
        const state = await waitQueue(c, (st) => st.total.failed === 1, 'refused by the server');
        expect(state.items.find((i) => i.name === 'too-much.bin')).toMatchObject({
          sent: 0,
          error: { code: 'QUOTA_EXCEEDED' },
        });
      }
    } finally {
      await small.close();
    }
  });
});
