import { describe, expect, it } from 'vitest';
import type { UploadQueueState } from '../../src/shared/documents/ipc.js';
import { WEB_POLICY as WEB_DEFAULTS } from '../../src/client/uploads/policy.js';
import { admission, checkDropSize, checkName } from '../../src/client/uploads/refusals.js';
import { SpeedMeter } from '../../src/client/uploads/speed.js';
import { SHOWN_ITEMS } from '../../src/client/uploads/view.js';
import {
  deferred,
  FakeClock,
  FakeTusServer,
  harness,
  hashOf,
  MemoryStore,
  settle,
} from '../helpers/uploadFakes.js';

/**
 * The upload engine both targets run, over fake ports: a tus server in memory, files
 * whose bytes are strings, a store, and a clock moved by hand (no real timers). Each test
 * reads the queue as the panel shows it and what the server ended up holding.
 */

/** The web version's policy, with the tests' small chunks. */
const WEB_POLICY = { ...WEB_DEFAULTS, chunkBytes: 4 };

const item = (state: UploadQueueState, name: string) => state.items.find((i) => i.name === name)!;

describe('upload engine: the queue', () => {
  it('sends two files at a time, in the order they were added, and each arrives whole', async () => {
    const h = harness();
    const gate = deferred();
    h.server.gate = gate.promise;
    h.add('aaaaaaaaaa', 'bbbbbb', 'cccccccc', 'dddd');
    let view = await h.view();
    expect(view.items.map((i) => [i.name, i.state])).toEqual([
      ['aaa.txt', 'uploading'],
      ['bbb.txt', 'uploading'],
      ['ccc.txt', 'queued'],
      ['ddd.txt', 'queued'],
    ]);
    expect(h.server.log.filter((l) => l.startsWith('POST'))).toEqual(['POST aaa.txt', 'POST bbb.txt']);
    h.server.gate = null;
    gate.resolve();
    view = await h.view();
    expect(view.total).toMatchObject({
      files: 4,
      done: 4,
      failed: 0,
      bytes: 28,
      sent: 28,
      secondsLeft: null,
    });
    expect(h.server.log.filter((l) => l.startsWith('POST'))).toEqual([
      'POST aaa.txt',
      'POST bbb.txt',
      'POST ccc.txt',
      'POST ddd.txt',
    ]);
    expect(h.server.documents.map((d) => [d.name, d.content])).toEqual([
      ['bbb.txt', 'bbbbbb'],
      ['aaa.txt', 'aaaaaaaaaa'],
      ['ddd.txt', 'dddd'],
      ['ccc.txt', 'cccccccc'],
    ]);
    expect(h.done).toHaveLength(4);
    // Never more than two on the wire: the third creation came after a file was done.
    const firstDone = h.server.log.findIndex((l) => l === 'PATCH https://school.test/api/uploads/u2 4');
    expect(h.server.log.indexOf('POST ccc.txt')).toBeGreaterThan(firstDone);
  });

  it('goes queued → uploading → done, saving each state; the web version hashes first (hashing)', async () => {
    const desktop = harness();
    const [a] = desktop.add('abcdefghij');
    await desktop.view();
    expect(desktop.store.history.get(a!)).toEqual(['queued', 'uploading', 'done']);
    expect(desktop.store.rows.get(a!)).toMatchObject({ state: 'done', offset: 10, documentId: 'doc1' });

    const web = harness({ policy: WEB_POLICY });
    const hashed = deferred();
    const [b] = web.add('klmnopqrst');
    // The file is hashed in the page before the upload is created (its hash is in the creation).
    web.files.get(b!)!.hashGate = hashed.promise;
    expect((await web.view()).items[0]!.state).toBe('hashing');
    expect(web.server.log).toEqual([]);
    hashed.resolve();
    expect((await web.view()).items[0]!.state).toBe('done');
    expect(web.store.history.get(b!)).toEqual(['queued', 'hashing', 'uploading', 'done']);
    expect([...web.server.finished.keys()]).toHaveLength(1);
  });

  it('adds nothing while signed out, and shows each person only their own queue', async () => {
    const h = harness();
    h.owner.current = null;
    expect(() => h.add('xxxx')).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(h.engine.state().items).toEqual([]);
    h.owner.current = 'mother';
    const gate = deferred();
    h.server.gate = gate.promise;
    const [mine] = h.add('mmmmmmmm');
    h.owner.current = 'father';
    expect((await h.view()).items).toEqual([]);
    // Her upload's id does nothing in his hands, and his "pause all" leaves hers alone.
    h.engine.pause(mine!);
    h.engine.pause(null);
    h.owner.current = 'mother';
    expect((await h.view()).items[0]!.state).toBe('uploading');
    gate.resolve();
    h.server.gate = null;
    expect((await h.view()).total.done).toBe(1);
  });

  it('lists sending, failed, waiting, then finished ones (newest first on the desktop), with totals', async () => {
    const h = harness();
    h.server.quotaLeft = 8;
    h.add('aaaa');
    await h.view();
    h.server.hold(0);
    const [, c, d] = h.add('bbbbbbbbbbbb', 'cccc', 'dddd');
    await h.view();
    h.engine.pause(d!);
    h.engine.cancel(c!);
    h.add('eeee', 'ffff');
    const view = await h.view();
    expect(view.items.map((i) => [i.name, i.state, i.error?.code ?? null])).toEqual([
      ['eee.txt', 'uploading', null],
      ['fff.txt', 'uploading', null],
      ['bbb.txt', 'failed', 'QUOTA_EXCEEDED'],
      ['ddd.txt', 'paused', null],
      ['ccc.txt', 'cancelled', null],
      ['aaa.txt', 'done', null],
    ]);
    // The cancelled file counts as a file but adds no bytes; the done one counts whole.
    expect(view.total).toMatchObject({ files: 6, done: 1, failed: 1, bytes: 28, sent: 4 });

    const web = harness({ policy: WEB_POLICY });
    web.add('gggg', 'hhhh');
    expect((await web.view()).items.map((i) => i.name)).toEqual(['ggg.txt', 'hhh.txt']);
  });

  it('shows at most a few hundred rows, however many files a drop brought', async () => {
    const h = harness();
    h.server.gate = new Promise(() => {});
    h.add(...Array.from({ length: SHOWN_ITEMS + 50 }, (_, i) => ({ name: `f${i}.txt`, content: 'xy' })));
    const view = await h.view();
    expect(view.items).toHaveLength(SHOWN_ITEMS);
    expect(view.total.files).toBe(SHOWN_ITEMS + 50);
    expect(view.items.slice(0, 3).map((i) => [i.name, i.state])).toEqual([
      ['f0.txt', 'uploading'],
      ['f1.txt', 'uploading'],
      ['f2.txt', 'queued'],
    ]);
  });
});

describe('upload engine: pause, resume, cancel, retry', () => {
  it('pauses a file mid-upload, gives its slot to the next, and resumes at the server offset', async () => {
    const h = harness();
    // a and b send their first chunks; the rest is held.
    const release = h.server.hold(4);
    const [a, b, c] = h.add('aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccc');
    await h.view();
    h.engine.pause(a!);
    let view = await h.view();
    expect(item(view, 'ccc.txt').state).toBe('done');
    release();
    view = await h.view();
    expect(item(view, 'aaa.txt').state).toBe('paused');
    expect(item(view, 'ccc.txt').state).toBe('done');
    expect(h.server.abortedSignals()).toBeGreaterThan(0);
    const heldAt = item(view, 'aaa.txt').sent;
    expect(heldAt).toBeGreaterThan(0);
    expect(heldAt).toBeLessThan(12);
    h.engine.resume(a!);
    view = await h.view();
    expect(item(view, 'aaa.txt').state).toBe('done');
    // It asked where the server was and sent only the rest.
    const url = h.store.rows.get(a!)!.uploadUrl!;
    expect(h.server.log).toContain(`HEAD ${url}`);
    // The chunk at 4 was given up when it paused, and sent again after the HEAD said 4.
    expect(h.server.patches(url).map((l) => Number(l.split(' ')[2]))).toEqual([0, 4, 4, 8]);
    expect(h.server.documents.find((d) => d.name === 'aaa.txt')!.content).toBe('aaaaaaaaaaaa');
    expect(h.server.bytesSent).toBe(12 + 12 + 4);
    expect([b, c]).toHaveLength(2);
  });

  it('pauses and resumes everything', async () => {
    const h = harness();
    h.server.gate = new Promise(() => {});
    h.add('aaaa', 'bbbb', 'cccc');
    await h.view();
    h.engine.pause(null);
    let view = await h.view();
    expect(view.items.map((i) => i.state)).toEqual(['paused', 'paused', 'paused']);
    expect(view.total.speed).toBe(0);
    h.server.gate = null;
    h.engine.resume(null);
    view = await h.view();
    expect(view.items.map((i) => i.state)).toEqual(['done', 'done', 'done']);
  });

  it('cancels a file: it stops, its upload is ended on the server, and nothing is stored', async () => {
    const h = harness();
    const release = h.server.hold(4);
    const [a, b] = h.add('aaaaaaaa', 'bbbb');
    await h.view();
    h.engine.cancel(a!);
    release();
    const view = await h.view();
    expect(item(view, 'aaa.txt').state).toBe('cancelled');
    expect(item(view, 'bbb.txt').state).toBe('done');
    const url = h.store.rows.get(a!)!.uploadUrl!;
    expect(h.server.log).toContain(`DELETE ${url}`);
    expect(h.server.uploads.has(url)).toBe(false);
    expect(h.server.documents.map((d) => d.name)).toEqual(['bbb.txt']);
    // Cancelling again, or cancelling a done file, does nothing.
    h.engine.cancel(a!);
    h.engine.cancel(b!);
    expect(h.server.log.filter((l) => l.startsWith('DELETE'))).toHaveLength(1);
    h.engine.clearFinished();
    expect((await h.view()).items).toEqual([]);
    expect(h.store.rows.size).toBe(0);
  });

  it('retries a failed file; the desktop starts over from the file as it is now', async () => {
    const h = harness();
    h.server.quotaLeft = 3;
    const [a] = h.add('aaaaaa');
    let view = await h.view();
    expect(view.items[0]).toMatchObject({ state: 'failed', sent: 0, error: { code: 'QUOTA_EXCEEDED' } });
    // Only failed and cancelled files are retried.
    h.engine.resume(a!);
    expect((await h.view()).items[0]!.state).toBe('failed');
    h.server.quotaLeft = Number.POSITIVE_INFINITY;
    h.files.get(a!)!.change('aaaaaaaa');
    h.engine.retry(a!);
    view = await h.view();
    expect(view.items[0]).toMatchObject({ state: 'done', size: 8, sent: 8, error: null });
    expect(h.server.documents[0]!.content).toBe('aaaaaaaa');
  });

  it('retries a cancelled file on the web: the ended upload is found gone and sent again whole', async () => {
    const h = harness({ policy: WEB_POLICY });
    const release = h.server.hold(4);
    const [a] = h.add('aaaaaaaa');
    await h.view();
    h.engine.cancel(a!);
    release();
    await h.view();
    const first = h.store.rows.get(a!)!.uploadUrl!;
    h.engine.retry(a!);
    const view = await h.view();
    expect(view.items[0]!.state).toBe('done');
    // It asked for the upload it had (gone), then made a new one.
    expect(h.server.log).toEqual(expect.arrayContaining([`HEAD ${first}`, `FINISH ${first}`]));
    expect(h.server.log.filter((l) => l.startsWith('POST'))).toHaveLength(2);
    expect(h.server.documents.map((d) => d.content)).toEqual(['aaaaaaaa']);
  });
});

describe('upload engine: the network', () => {
  it('waits for the network with backoff and jitter («Ждёт связи»), then continues from the server offset', async () => {
    const random = [0, 0.5, 0.999];
    let draw = 0;
    const h = harness({ random: () => random[draw++ % random.length]! });
    const release = h.server.hold(4);
    const [a] = h.add('abcdefghijkl');
    await h.view();
    // The cable is pulled while the second chunk is on its way.
    h.server.down = true;
    release();
    let view = await h.view();
    expect(view.offline).toBe(true);
    // The file stays in line as "uploading": the panel labels it «Ждёт связи».
    expect(view.items[0]).toMatchObject({ state: 'uploading', error: null });
    const confirmed = view.items[0]!.sent;
    expect(confirmed).toBe(4);
    // Delays 1 s, 2 s, 4 s... each drawn from [d/2, d): 500, 1500, 3998.
    expect(h.clock.pending()).toContain(500);
    await h.clock.advance(500);
    expect(h.clock.pending()).toContain(1500);
    await h.clock.advance(1500);
    expect(h.clock.pending()).toContain(3998);
    expect(h.engine.state().offline).toBe(true);
    h.server.down = false;
    await h.clock.advance(3998);
    view = await h.view();
    expect(view.offline).toBe(false);
    expect(view.items[0]!.state).toBe('done');
    const url = [...h.server.finished.keys()][0]!;
    // After the HEAD it went on from byte 4: nothing the server held was sent twice.
    expect(h.server.patches(url).filter((l) => !l.endsWith(' 0'))[0]).toBe(`PATCH ${url} 4`);
    expect(h.server.bytesSent).toBe(12);
    expect(h.server.documents[0]!.content).toBe('abcdefghijkl');
    // A success starts the next wait short again.
    h.server.down = true;
    h.add('mnop');
    await h.view();
    expect(h.clock.pending()).toContain(500);
    expect(a).toBeDefined();
  });

  it('does not start the files behind while it waits, and resuming skips the wait', async () => {
    const h = harness();
    h.server.down = true;
    h.add('aaaa', 'bbbb', 'cccc');
    let view = await h.view();
    expect(view.offline).toBe(true);
    expect(view.items.map((i) => i.state)).toEqual(['uploading', 'uploading', 'queued']);
    h.server.down = false;
    h.engine.resume(null);
    view = await h.view();
    expect(view.items.map((i) => i.state)).toEqual(['done', 'done', 'done']);
    expect(h.clock.pending().filter((d) => d > 200)).toEqual([]);
  });

  it('a file that cannot be read any more is reported as changed, not left waiting for the network', async () => {
    const h = harness({ policy: WEB_POLICY });
    const release = h.server.hold(4);
    const [a, b] = h.add('aaaaaaaa', 'bbbb');
    await h.view();
    h.files.get(a!)!.change('aaaaaaaaX');
    h.server.down = true;
    release();
    await h.view();
    h.server.down = false;
    await h.clock.advance(1000);
    const view = await h.view();
    expect(item(view, 'aaa.txt')).toMatchObject({ state: 'failed', error: { code: 'FILE_CHANGED' } });
    expect(item(view, 'bbb.txt').state).toBe('done');
    // The web version ends what reached the server of the old file (its hold on the quota too).
    expect(h.server.log.some((l) => l.startsWith('DELETE'))).toBe(true);
    expect(h.server.documents.map((d) => d.name)).toEqual(['bbb.txt']);
    expect(b).toBeDefined();
  });

  it('a file that changes between chunks fails with FILE_CHANGED and stores nothing', async () => {
    const h = harness();
    const release = h.server.hold(4);
    const [a] = h.add('aaaaaaaa');
    await h.view();
    h.files.get(a!)!.change('bbbbbbbb');
    release();
    const view = await h.view();
    expect(view.items[0]).toMatchObject({ state: 'failed', error: { code: 'FILE_CHANGED' } });
    expect(h.server.documents).toEqual([]);
    // The desktop leaves the upload to expire on the server.
    expect(h.server.log.some((l) => l.startsWith('DELETE'))).toBe(false);
  });

  it('the web version gives a file up after ten retries in a row without an answer', async () => {
    const h = harness({ policy: WEB_POLICY, random: () => 0 });
    h.server.down = true;
    h.add('aaaa');
    await h.view();
    for (let i = 0; i < 10; i++) await h.clock.advance(30_000);
    const view = await h.view();
    expect(view.items[0]).toMatchObject({ state: 'failed', error: { code: 'NETWORK_OFFLINE' } });
    expect(h.server.log.filter((l) => l.startsWith('POST'))).toHaveLength(11);
  });
});

describe('upload engine: lost answers', () => {
  it('the answer to the chunk that completed the bytes lost: the HEAD says all there, the finish makes it once', async () => {
    const h = harness();
    const release = h.server.hold(4);
    const [a] = h.add('abcdefgh');
    await h.view();
    h.server.loseNextAnswer = true;
    release();
    let view = await h.view();
    expect(view.offline).toBe(true);
    expect(view.items[0]).toMatchObject({ state: 'uploading', sent: 4 });
    await h.clock.advance(1000);
    view = await h.view();
    expect(view.items[0]).toMatchObject({ state: 'done', sent: 8 });
    const url = h.store.rows.get(a!)!.uploadUrl!;
    expect(h.server.log.slice(-2)).toEqual([`HEAD ${url}`, `FINISH ${url}`]);
    expect(h.server.documents.map((d) => d.content)).toEqual(['abcdefgh']);
    expect(h.server.bytesSent).toBe(8);
    expect(h.done).toEqual(['doc1']);
  });

  it('the document made by the last PATCH whose answer was lost: HEAD finds nothing, the finish answers it', async () => {
    // The web version's hash goes with the last PATCH, so that PATCH makes the document.
    const h = harness({ policy: WEB_POLICY });
    h.add('abcd');
    h.server.loseNextAnswer = true;
    await h.view();
    expect(h.engine.state().offline).toBe(true);
    await h.clock.advance(1000);
    const view = await h.view();
    const url = [...h.server.finished.keys()][0]!;
    expect(h.server.log.slice(-2)).toEqual([`HEAD ${url}`, `FINISH ${url}`]);
    expect(view.items[0]).toMatchObject({ state: 'done', sent: 4 });
    expect(h.server.documents).toHaveLength(1);
    expect(h.server.log.filter((l) => l.startsWith('POST'))).toHaveLength(1);
  });

  it('every byte there but no document (no hash with the last PATCH): the client finishes it', async () => {
    const h = harness();
    h.server.finishOnLastPatch = false;
    h.add('abcdefgh');
    const view = await h.view();
    expect(view.items[0]!.state).toBe('done');
    const url = [...h.server.finished.keys()][0]!;
    expect(h.server.log.at(-1)).toBe(`FINISH ${url}`);
    expect(h.server.documents[0]!.content).toBe('abcdefgh');
  });

  it('an upload that expired while the app was closed is sent again whole, and twice gone is a failure', async () => {
    const store = new MemoryStore<{ mtime: number }>();
    const first = harness({ store });
    const release = first.server.hold(4);
    const [a] = first.add('abcdefgh');
    await first.view();
    await first.engine.close();
    release();
    first.server.uploads.clear();
    const again = harness({ store, server: first.server, files: first.files });
    again.engine.kick();
    let view = await again.view();
    expect(view.items[0]!.state).toBe('done');
    expect(first.server.log.filter((l) => l.startsWith('POST'))).toHaveLength(2);

    // Disappearing twice within one run is not sent a third time.
    const h = harness();
    const [b] = h.add('ijklmnop');
    const send = h.server.send.bind(h.server);
    h.server.send = async (input, signal) => {
      if (input.offset > 0) h.server.uploads.delete(input.url);
      return send(input, signal);
    };
    view = await h.view();
    expect(view.items[0]).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND' } });
    expect([a, b]).toHaveLength(2);
  });
});

describe('upload engine: persistence', () => {
  it('restores the desktop queue after a restart and continues at the server offset', async () => {
    const store = new MemoryStore<{ mtime: number }>();
    const first = harness({ store });
    const release = first.server.hold(4);
    const [a, b] = first.add('abcdefghijkl', 'mnop');
    first.engine.pause(b!);
    await first.view();
    expect(store.rows.get(a!)).toMatchObject({ state: 'uploading', offset: 4 });
    await first.engine.close();
    release();

    const again = harness({ store, server: first.server, files: first.files });
    let view = again.engine.state();
    expect(view.items.map((i) => [i.name, i.state, i.sent])).toEqual([
      ['abc.txt', 'uploading', 4],
      ['mno.txt', 'paused', 0],
    ]);
    again.engine.kick();
    view = await again.view();
    expect(view.items.map((i) => i.state)).toEqual(['paused', 'done']);
    const url = [...first.server.finished.keys()][0]!;
    expect(first.server.log).toContain(`HEAD ${url}`);
    expect(first.server.documents[0]!.content).toBe('abcdefghijkl');
    expect(first.server.bytesSent).toBeLessThanOrEqual(12 + 4);
  });

  it('a web page reopened: the upload waits for its file with what the server holds, and continues when it is added', async () => {
    const store = new MemoryStore<{ mtime: number }>();
    const first = harness({ store, policy: WEB_POLICY });
    const release = first.server.hold(8);
    const [a] = first.add('abcdefghijkl');
    await first.view();
    await first.engine.close();
    release();
    // The page counted more than the server confirmed.
    store.rows.get(a!)!.offset = 11;

    const again = harness({ store, server: first.server, policy: WEB_POLICY, reopen: 'none' });
    again.owner.current = 'father';
    expect(again.engine.state().items).toEqual([]);
    again.owner.current = 'mother';
    expect(again.engine.state().items[0]).toMatchObject({
      state: 'failed',
      sent: 11,
      error: { code: 'UPLOAD_FILE_NEEDED' },
    });
    let view = await again.view();
    expect(view.items[0]!.sent).toBe(8);
    expect(again.engine.reopened()).toMatchObject([{ id: a, name: 'abc.txt', size: 12, needsFile: true }]);
    // Retry cannot help without the file; adding it again does.
    again.engine.retry(a!);
    expect((await again.view()).items[0]!.state).toBe('failed');
    const file = first.files.get(a!)!;
    expect(again.engine.attach(a!, file)).toBe(true);
    view = await again.view();
    expect(view.items[0]).toMatchObject({ state: 'done', error: null });
    expect(again.engine.attach(a!, file)).toBe(false);
    expect(first.server.documents.map((d) => d.content)).toEqual(['abcdefghijkl']);
    expect(first.server.log.filter((l) => l.startsWith('POST'))).toHaveLength(1);
  });

  it('a reopened upload that became a document meanwhile is done; one that expired waits to go whole', async () => {
    const store = new MemoryStore<{ mtime: number }>();
    const server = new FakeTusServer();
    const first = harness({ store, server, policy: WEB_POLICY });
    const [made, expired] = first.add('abcd', 'efghefgh');
    await first.view();
    // The second is stopped halfway; then the server forgets it.
    const url = store.rows.get(expired!)!.uploadUrl!;
    await first.engine.close();
    store.rows.get(made!)!.state = 'uploading';
    store.rows.get(made!)!.uploadUrl = [...server.finished.keys()][0]!;
    store.rows.get(expired!)!.state = 'uploading';
    store.rows.get(expired!)!.offset = 4;
    server.finished.delete(url);
    server.uploads.delete(url);
    const again = harness({ store, server, policy: WEB_POLICY, reopen: 'none' });
    const view = await again.view();
    expect(view.items.map((i) => [i.name, i.state, i.sent])).toEqual([
      ['efg.txt', 'failed', 0],
      ['abc.txt', 'done', 4],
    ]);
    expect(store.rows.get(expired!)).toMatchObject({ uploadUrl: null, offset: 0 });
  });

  it('a reopened upload stays as remembered while the server cannot be asked', async () => {
    const store = new MemoryStore<{ mtime: number }>();
    store.save([
      {
        id: 'kept',
        seq: 1,
        owner: 'mother',
        name: 'Концерт.mp4',
        folderId: null,
        size: 2_000_000,
        origin: { mtime: 1 },
        sha256: hashOf('x'),
        uploadUrl: 'https://school.test/api/uploads/x1',
        offset: 1_900_000,
        state: 'uploading',
        error: null,
        documentId: null,
      },
    ]);
    const h = harness({ store, reopen: 'none', policy: WEB_POLICY });
    h.server.down = true;
    const view = await h.view();
    expect(view.items[0]).toMatchObject({
      sent: 1_900_000,
      state: 'failed',
      error: { code: 'UPLOAD_FILE_NEEDED' },
    });
    h.engine.cancel('kept');
    await h.view();
    expect(h.server.log).toContain('DELETE https://school.test/api/uploads/x1');
    expect(store.rows.get('kept')!.state).toBe('cancelled');
  });
});

describe('upload engine: hooks and speed', () => {
  it('reports its state at most every 200 ms while bytes flow, and the last state always', async () => {
    const h = harness({ policy: { chunkBytes: 1 } });
    const at: number[] = [];
    const gate = deferred();
    h.server.gate = gate.promise;
    h.add('abcdefghijklmnop');
    await h.clock.advance(0);
    const base = h.states.length;
    const clock = h.clock;
    const origin = h.states.push.bind(h.states);
    h.states.push = (...s) => {
      at.push(clock.now());
      return origin(...s);
    };
    h.server.gate = null;
    gate.resolve();
    for (let i = 0; i < 10; i++) await h.clock.advance(50);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(200);
    await h.clock.advance(1000);
    expect(h.states.length).toBeGreaterThan(base);
    expect(h.states.at(-1)!.total.done).toBe(1);
  });

  it('sends queued folder creations first (beforeCreate) and passes the folder to the server', async () => {
    const order: string[] = [];
    const h = harness({ beforeCreate: async () => void order.push('folders') });
    h.add({ name: 'scan.pdf', content: 'pdfpdf', folderId: 'folder-1' });
    await h.view();
    expect(order).toEqual(['folders']);
    expect(h.server.documents[0]).toMatchObject({ name: 'scan.pdf', folderId: 'folder-1' });
  });

  it('averages the speed over half-second windows', () => {
    const meter = new SpeedMeter(0, 0);
    meter.sample(1000, 100);
    expect(meter.bytesPerSecond).toBe(0);
    meter.sample(1000, 500);
    expect(meter.bytesPerSecond).toBe(2000);
    meter.sample(2000, 1000);
    // 0.6 × 2000 + 0.4 × 2000
    expect(meter.bytesPerSecond).toBe(2000);
    meter.sample(2000, 1500);
    expect(meter.bytesPerSecond).toBe(1200);
  });

  it('shows the speed and seconds left while a file is sending', async () => {
    const h = harness({ policy: { chunkBytes: 1000 } });
    const clock = h.clock;
    const send = h.server.send.bind(h.server);
    // Each chunk takes a second on the wire.
    let current: (() => void) | null = null;
    h.server.send = async (input, signal) => {
      await new Promise<void>((resolve) => (current = resolve));
      return send(input, signal);
    };
    h.add({ name: 'big.bin', content: 'x'.repeat(10_000) });
    await settle();
    for (let i = 0; i < 3; i++) {
      await clock.advance(1000);
      (current as (() => void) | null)?.();
      await settle();
    }
    await clock.advance(1000);
    const view = h.engine.state();
    expect(view.items[0]!.speed).toBeGreaterThan(0);
    expect(view.total.speed).toBe(view.items[0]!.speed);
    expect(view.total.secondsLeft).toBe(Math.ceil((10_000 - view.total.sent) / view.total.speed));
  });
});

describe('refusals', () => {
  it('refuses by name, emptiness, the per-file limit and what is left of the quota, in that order', () => {
    const quota = { usedBytes: 0, limitBytes: 1000, maxFileBytes: 600 };
    const drop = admission(quota, 300, 100);
    const results = [
      drop.admit('...', 0),
      drop.admit('bad\uD800.txt', 10),
      drop.admit('empty.txt', 0),
      drop.admit('huge.bin', 601),
      drop.admit('fits.bin', 500),
      drop.admit('one-more.bin', 101),
      drop.admit('last.bin', 100),
      drop.admit('Счёт\u202Efdp.exe', 0),
    ];
    expect(results.map((r) => (r.ok ? r.name : r.refusal.code))).toEqual([
      'FILE_NAME_INVALID',
      'FILE_NAME_BROKEN',
      'FILE_EMPTY',
      'FILE_TOO_LARGE',
      'fits.bin',
      'QUOTA_EXCEEDED',
      'last.bin',
      'FILE_EMPTY',
    ]);
    const refused = results.find((r) => !r.ok && r.refusal.code === 'FILE_EMPTY');
    expect(refused).toMatchObject({ refusal: { name: 'empty.txt', message: 'The file is empty.' } });
    // Unknown quota: only the server refuses by size.
    expect(admission(null, 0).admit('any.bin', 10 ** 12)).toEqual({ ok: true, name: 'any.bin' });
    expect(checkName('Счёт\u202Efdp.exe')).toEqual({ ok: true, name: 'Счётfdp.exe' });
  });

  it('refuses a drop of more than 10,000 files whole', () => {
    expect(() => checkDropSize(10_000)).not.toThrow();
    expect(() => checkDropSize(10_001)).toThrow(expect.objectContaining({ code: 'UPLOAD_TOO_MANY_FILES' }));
  });
});

describe('fake clock', () => {
  it('fires timers in order and only when due', async () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimer(300, () => fired.push(300));
    const cancel = clock.setTimer(100, () => fired.push(100));
    clock.setTimer(200, () => fired.push(200));
    cancel();
    await clock.advance(250);
    expect(fired).toEqual([200]);
    await clock.advance(50);
    expect(fired).toEqual([200, 300]);
  });
});
