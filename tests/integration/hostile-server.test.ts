import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import {
  createTestCore,
  createTestLogger,
  randomPhone,
  signInAs,
  waitFor,
  type TestCore,
} from '../helpers/core.js';
import { type AnyChange, type LyingServer, startLyingServer } from '../helpers/lyingServer.js';
import { png } from '../helpers/png.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

/**
 * The desktop core against a school server that lies (a hostile or compromised one, or
 * anyone in the middle of a plain-http connection). The lying server stands in front of
 * a real one: sign-in, uploads and downloads are real, but the sync feed carries names,
 * ids, folder ids, sizes and hashes of its choosing, and it serves documents it made up.
 * Whatever it says, the core writes nothing outside its data folder, hands the system
 * only copies whose bytes match their hash and size, and keeps syncing.
 */

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const ID = /^[A-Za-z0-9_-]{8,64}$/;

/** Every file under `dir` (relative paths), skipping `except` (a folder inside it). */
function filesUnder(dir: string, except?: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (except && full === except) continue;
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

describe('a hostile server', () => {
  /** The sentinel: only the core's data folder, four levels down, may change in it. */
  const sandbox = makeTempDir('sferum-hostile-');
  const dataDir = path.join(sandbox.path, 'n1', 'n2', 'n3', 'n4', 'data');
  /** Where the parent picks to save copies, and the files they upload. */
  const saveDir = makeTempDir('sferum-hostile-save-');
  const source = makeTempDir('sferum-hostile-source-');
  /** A file of the parent's own that an old cache's record points at. */
  const victim = makeTempDir('sferum-hostile-victim-');
  /** Every file and folder name the lies aim at carries it, so a stray one is found anywhere. */
  const marker = `sferum-hostile-${randomBytes(4).toString('hex')}`;
  const at = new Date().toISOString();

  let server: TestServer;
  let lying: LyingServer;
  let app: TestCore;
  const logger = createTestLogger();
  const opened: string[] = [];
  const shown: string[] = [];
  const offered: string[] = [];
  const saved: string[] = [];
  /** What the feed claims of each document (id → size and hash). */
  const claims = new Map<string, { size: unknown; sha256: unknown }>();
  let realPng: { id: string; bytes: Buffer } | null = null;

  const filesDir = () =>
    path.join(dataDir, 'accounts', fs.readdirSync(path.join(dataDir, 'accounts'))[0]!, 'files');

  /** A document the lying server made up; its bytes (when given) are served with an honest hash. */
  function doc(id: string, fields: Record<string, unknown>, bytes?: Buffer): AnyChange {
    const data: Record<string, unknown> = {
      id,
      folderId: null,
      name: 'made-up.txt',
      size: bytes?.length ?? 10,
      mime: 'text/plain',
      sha256: bytes ? sha(bytes) : '0'.repeat(64),
      createdAt: at,
      updatedAt: at,
      trashedAt: null,
      trashRoot: null,
      ...fields,
    };
    // A download of an id with `../` in it reaches the server normalised: by its last segment.
    if (bytes) lying.serveContent(id.split(/[\\/]/).pop()!, bytes);
    claims.set(id, { size: data.size, sha256: data.sha256 });
    return { entity: 'document', id, op: 'put', data };
  }

  function folder(id: string, fields: Record<string, unknown>): AnyChange {
    const data = {
      id,
      parentId: null,
      name: 'Папка',
      createdAt: at,
      updatedAt: at,
      trashedAt: null,
      trashRoot: null,
    };
    return { entity: 'folder', id, op: 'put', data: { ...data, ...fields } };
  }

  const text = (label: string) => Buffer.from(`${label} ${marker}\n`);

  /** Lies of the right types: the feed parses, every value is hostile. */
  function wellTypedLies(): AnyChange[] {
    const lies: AnyChange[] = [];
    for (let k = 2; k <= 9; k++) {
      lies.push(
        doc(`name-slash-${k}`, { name: `${'../'.repeat(k)}${marker}-slash-${k}.txt` }, text(`slash ${k}`)),
      );
      lies.push(
        doc(`name-bslash-${k}`, { name: `${'..\\'.repeat(k)}${marker}-bslash-${k}.txt` }, text(`bs ${k}`)),
      );
    }
    lies.push(
      doc('name-abs-sandbox', { name: path.join(sandbox.path, `${marker}-abs.txt`) }, text('abs')),
      doc('name-abs-tmp', { name: path.join(os.tmpdir(), `${marker}-tmp.txt`) }, text('tmp')),
      doc('name-abs-win', { name: `C:\\${marker}-win.txt` }, text('win')),
      doc('name-unc-path', { name: `\\\\host\\share\\${marker}-unc.txt` }, text('unc')),
      doc('name-nul-byte', { name: `ok\u0000/../../../../../../${marker}-nul.txt` }, text('nul')),
      doc('name-huge-one', { name: `${'h'.repeat(300_000)}.txt` }, text('huge')),
      doc('name-dots-two', { name: '..' }, text('dots')),
      doc('name-dots-one', { name: '.' }, text('dot')),
      doc('name-is-empty', { name: '' }, text('empty')),
      doc('name-slashes', { name: '/\\/' }, text('slashes')),
      doc('name-reserved', { name: 'CON.txt' }, text('con')),
      // Shown in the grid without a click: an image whose name climbs out.
      doc('png-escape-1', { name: `${'../'.repeat(7)}${marker}-thumb.png`, mime: 'image/png' }, png(4)),
      // An image that claims to be small and is not (its hash is honest).
      doc('png-size-lie', { name: 'small.png', mime: 'image/png', size: 100 }, png(4, 3 * 1024 * 1024)),
      // Bytes that do not match the hash.
      doc('png-bad-hash', { name: 'bad.png', mime: 'image/png', sha256: sha(png(7)) }, png(4)),
      doc('txt-bad-hash', { name: 'bad.txt', sha256: sha(Buffer.from('something else')) }, text('bad')),
      doc('size-negative', { name: 'neg.png', mime: 'image/png', size: -1 }, png(5)),
      doc('size-huge-one', { name: 'huge.txt', size: 1e300 }, text('size')),
      doc('size-fraction', { name: 'half.txt', size: 1.5 }, text('half')),
      doc('size-unsafe-1', { name: 'unsafe.txt', size: 2 ** 60 }, text('unsafe')),
      doc('hash-is-short', { name: 'short.txt', sha256: 'abc' }, text('short')),
      doc('hash-nonhex-1', { name: 'nonhex.txt', sha256: 'z'.repeat(64) }, text('nonhex')),
      doc('hash-is-empty', { name: 'nohash.txt', sha256: '' }, text('nohash')),
      doc('hash-path-one', { name: 'hashpath.txt', sha256: `../../${'0'.repeat(58)}` }, text('hashpath')),
      doc('mime-is-html', { name: 'page.png', mime: 'text/html' }, png(4)),
      doc('folder-nowhere', { name: 'orphan.txt', folderId: 'nowhere-0000-0000' }, text('orphan')),
      doc('folder-escape', { name: 'fesc.txt', folderId: `../../../${marker}` }, text('fesc')),
      doc('folder-windows', { name: 'fwin.txt', folderId: 'C:\\Windows' }, text('fwin')),
      doc('date-is-bogus', { name: 'date.txt', updatedAt: 'not a date' }, text('date')),
      doc('trash-root-bad', { name: 'troot.txt', trashedAt: at, trashRoot: `../${marker}` }, text('troot')),
    );
    for (let k = 4; k <= 8; k++) {
      lies.push(doc(`${'../'.repeat(k)}${marker}-id-${k}`, { name: 'id.txt' }, text(`id ${k}`)));
      lies.push(doc(`${'..\\'.repeat(k)}${marker}-idb-${k}`, { name: 'idb.txt' }, text(`idb ${k}`)));
    }
    lies.push(
      doc(path.join(sandbox.path, `${marker}-idabs`), { name: 'idabs.txt' }, text('idabs')),
      doc(`C:\\${marker}-idwin`, { name: 'idwin.txt' }, text('idwin')),
      doc(`id\u0000${marker}-idnul`, { name: 'idnul.txt' }, text('idnul')),
      doc('i'.repeat(100_000), { name: 'idhuge.txt' }, text('idhuge')),
      doc('..', { name: 'iddots.txt' }, text('iddots')),
      // The change says one id, its record another.
      { ...doc('mismatch-0001', { name: 'mismatch.txt' }, text('mismatch')), id: 'mismatch-0002' },
      folder(`../../../${marker}-folder`, { name: 'f1' }),
      folder('fold-escape-1', { name: `../../../${marker}-folder-name` }),
      folder('fold-parent-1', { name: 'f3', parentId: `../${marker}` }),
      folder('fold-self-001', { name: 'f4', parentId: 'fold-self-001' }),
    );
    return lies;
  }

  /** Lies of the wrong types: values a reader that trusts the feed stumbles on. */
  function illTypedLies(): AnyChange[] {
    return [
      doc('type-name-null', { name: null }),
      doc('type-name-num1', { name: 42 }),
      doc('type-size-text', { size: '10' }),
      doc('type-size-null', { size: null }),
      doc('type-hash-null', { sha256: null }),
      doc('type-hash-obj1', { sha256: { toString: 'x' } }),
      doc('type-date-num1', { updatedAt: 5 }),
      doc('type-folder-nm', { folderId: 7 }),
      { entity: 'document', id: 'type-no-fields', op: 'put', data: {} },
      { entity: 'document', id: 'type-data-null', op: 'put', data: null },
      folder('type-fold-name', { name: null }),
      folder('type-fold-prnt', { parentId: 9 }),
      // Wrong around the record: an id that is no string, an unknown operation, a kind this
      // version does not know (a newer server's), data that is no object.
      { entity: 'document', id: 12345, op: 'put', data: {} },
      { entity: 'document', id: 'type-op-bad', op: 'upsert', data: {} },
      { entity: 'hologram', id: 'type-kind-new', op: 'put', data: { name: 'x' } },
      { entity: 'folder', id: 'type-data-str', op: 'put', data: 'x' },
    ];
  }

  beforeAll(async () => {
    server = await startTestServer();
    lying = await startLyingServer(server.url);
    fs.mkdirSync(dataDir, { recursive: true });
    app = await createTestCore({
      serverUrl: lying.url,
      dataDir,
      logger,
      shell: {
        openPath: async (p) => void opened.push(p),
        showItemInFolder: (p) => void shown.push(p),
      },
      dialogs: {
        pickFiles: async () => [],
        saveAs: async (defaultName) => {
          offered.push(defaultName);
          const dest = path.join(saveDir.path, `saved-${saved.length}.bin`);
          saved.push(dest);
          return dest;
        },
      },
    });
    await signInAs(app.core, randomPhone());
  });
  afterAll(async () => {
    await app?.dispose();
    await lying?.close();
    await server?.close();
    sandbox.remove();
    saveDir.remove();
    source.remove();
    victim.remove();
  });

  it('cleans or refuses every lie, writes nothing outside its data folder, opens only verified copies', async () => {
    // A real upload, whose name the feed then turns into a climb out of the copies folder.
    const bytes = png(6);
    fs.writeFileSync(path.join(source.path, 'real.png'), bytes);
    const hostileName = `${'../'.repeat(7)}${marker}-real.png`;
    lying.rewrite((change) => {
      const data = change.data as Record<string, unknown> | null;
      if (change.entity !== 'document' || data?.name !== 'real.png') return change;
      claims.set(String(change.id), { size: data.size, sha256: data.sha256 });
      realPng = { id: String(change.id), bytes };
      return { ...change, data: { ...data, name: hostileName } };
    });
    await app.core.documents.enqueuePaths([path.join(source.path, 'real.png')], null);
    await app.core.documents.uploads.whenIdle();
    await waitFor(() => realPng !== null && app.core.documents.count({ view: 'folder', folderId: null }) > 0);

    const before = filesUnder(sandbox.path, dataDir);
    lying.inject(wellTypedLies());
    await app.core.syncNow();
    expect(lying.injectedPages()).toBe(1);

    // Everything the screen would offer, on every document the feed named.
    const errors: unknown[] = [];
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        return await fn();
      } catch (error) {
        errors.push(error);
        return undefined;
      }
    };
    const thumbnails = new Map<string, string | null | undefined>();
    for (const id of claims.keys()) {
      thumbnails.set(
        id,
        (await attempt(() => app.core.documents.thumbnail(id))) as string | null | undefined,
      );
      await attempt(() => app.core.documents.open(id));
      await attempt(() => app.core.documents.saveAs(id));
      await attempt(() => app.core.documents.keepOffline(id, true));
      await attempt(() => app.core.documents.showInFolder(id));
    }

    // Nothing new outside the core's data folder, in the sentinel or in the temp folder.
    expect(filesUnder(sandbox.path, dataDir)).toEqual(before);
    expect(fs.readdirSync(os.tmpdir()).filter((name) => name.includes(marker))).toEqual([]);
    // Inside it, copies are one level down in a folder named by a plain id, and no download is left half-done.
    const files = filesDir();
    for (const file of filesUnder(dataDir)) {
      const full = path.join(dataDir, file);
      if (!full.startsWith(files + path.sep)) continue;
      const parts = path.relative(files, full).split(path.sep);
      expect(parts).toHaveLength(2);
      expect(parts[0]).toMatch(ID);
      expect(parts[1]).not.toMatch(/\.part$/);
    }

    // Only copies inside the copies folder whose bytes are what the feed promised reach the system.
    const verified = (file: string) => {
      expect(path.resolve(file).startsWith(files + path.sep)).toBe(true);
      const data = fs.readFileSync(file);
      const claim = [...claims.values()].find((c) => c.sha256 === sha(data));
      expect(claim, `${file} is not a verified copy`).toBeDefined();
      expect(claim!.size).toBe(data.length);
    };
    for (const file of [...opened, ...shown]) verified(file);
    for (const [id, url] of thumbnails) {
      if (typeof url !== 'string') continue;
      const data = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
      expect(claims.get(id)).toEqual({ size: data.length, sha256: sha(data) });
    }
    for (const dest of saved.filter((file) => fs.existsSync(file))) {
      const data = fs.readFileSync(dest);
      expect([...claims.values()].some((c) => c.sha256 === sha(data) && c.size === data.length)).toBe(true);
    }
    // The names offered to save as and shown on the screen are plain file names.
    const items = app.core.documents.list({ view: 'search', folderId: null, query: '', limit: 1000 }).items;
    for (const name of [...offered, ...items.map((item) => item.name)]) {
      // eslint-disable-next-line no-control-regex
      expect(name).not.toMatch(/[/\\\u0000-\u001f]/);
      expect(name).not.toMatch(/^\.{1,2}$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    }
    // Refusals are the core's own errors, not a crash halfway through a write.
    for (const error of errors) expect(error).toBeInstanceOf(AppError);

    // A name that climbs out is cleaned, not lost: the document opens under that name, inside.
    const byId = new Map(items.map((item) => [item.id, item]));
    for (let k = 2; k <= 9; k++) {
      for (const id of [`name-slash-${k}`, `name-bslash-${k}`]) {
        const item = byId.get(id);
        expect(item?.name).toMatch(new RegExp(`^(\\.\\._){${k}}${marker}-b?slash-${k}\\.txt$`));
        expect(opened.some((file) => path.basename(file) === item!.name)).toBe(true);
      }
    }
    // Records that cannot be made safe never reach the cache, and each is logged.
    for (const id of ['name-huge-one', 'name-dots-two', 'name-is-empty', 'size-negative', 'size-unsafe-1']) {
      expect(byId.has(id)).toBe(false);
    }
    for (const id of ['hash-is-short', 'hash-path-one', 'folder-escape', 'date-is-bogus', 'mismatch-0002']) {
      expect(byId.has(id)).toBe(false);
    }
    expect(
      items.some((item) => !ID.test(item.id) || (item.parentId !== null && !ID.test(item.parentId))),
    ).toBe(false);
    expect(logger.lines.filter((line) => line.startsWith('warn: Skipped')).length).toBeGreaterThan(0);

    // The lies aimed at the bytes are refused; the real document, cleaned, still works.
    await expect(app.core.documents.open('txt-bad-hash')).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
    });
    await expect(app.core.documents.thumbnail('png-bad-hash')).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
    });
    expect(thumbnails.get('png-size-lie') ?? null).toBeNull();
    const real = realPng!;
    expect(thumbnails.get(real.id)).toBe(`data:image/png;base64,${real.bytes.toString('base64')}`);
    const shownName = items.find((item) => item.id === real.id)!.name;
    expect(shownName).toContain(`${marker}-real.png`);
    opened.length = 0;
    await app.core.documents.open(real.id);
    // The system opens it under the name the parent sees.
    expect(opened.map((file) => path.basename(file))).toEqual([shownName]);
    expect(sha(fs.readFileSync(opened[0]!))).toBe(sha(real.bytes));
    // A folder id that points nowhere is harmless: the document can be opened all the same.
    await app.core.documents.open('folder-nowhere');
  });

  it('keeps syncing past records it cannot read', async () => {
    lying.inject(illTypedLies());
    const status = await app.core.syncNow();
    expect(lying.injectedPages()).toBe(2);
    expect(status).toMatchObject({ state: 'online', lastError: null });

    // What the real server says after the lies still arrives.
    fs.writeFileSync(path.join(source.path, 'after.txt'), 'after the lies');
    await app.core.documents.enqueuePaths([path.join(source.path, 'after.txt')], null);
    await app.core.documents.uploads.whenIdle();
    const arrived = await waitFor(
      () =>
        app.core.documents
          .list({ view: 'search', folderId: null, query: 'after', limit: 10 })
          .items.find((item) => item.name === 'after.txt'),
      10_000,
      'the document uploaded after the lies',
    );
    opened.length = 0;
    await app.core.documents.open(arrived!.id);
    expect(fs.readFileSync(opened[0]!, 'utf8')).toBe('after the lies');
    expect(filesUnder(sandbox.path, dataDir).filter((file) => file.includes(marker))).toEqual([]);
  });

  it('does not trust a local copy an older version recorded outside the copies folder', async () => {
    // The old code recorded where it wrote, wherever that was: here, a file of the parent's.
    const id = 'name-slash-9';
    const bytes = text('slash 9');
    const theirs = path.join(victim.path, 'Диплом.txt');
    fs.writeFileSync(theirs, bytes);
    const accountDir = path.dirname(filesDir());
    const db = new Database(path.join(accountDir, 'cache.sqlite'));
    db.prepare('UPDATE offline_files SET path = ?, sha256 = ?, keep = 0 WHERE document_id = ?').run(
      theirs,
      sha(bytes),
      id,
    );
    db.close();

    opened.length = 0;
    await app.core.documents.open(id);
    expect(opened).toHaveLength(1);
    expect(opened[0]).not.toBe(theirs);
    expect(path.resolve(opened[0]!).startsWith(filesDir() + path.sep)).toBe(true);
    // Clearing the copies forgets such a record and leaves the file where it is.
    const db2 = new Database(path.join(accountDir, 'cache.sqlite'));
    db2.prepare('UPDATE offline_files SET path = ? WHERE document_id = ?').run(theirs, id);
    db2.close();
    await app.core.documents.clearCache();
    expect(fs.readFileSync(theirs)).toEqual(bytes);
  });
});
