import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import type { DocItem } from '../../src/shared/documents/ipc.js';
import { signInByPhone } from '../../src/server/testing.js';
import { createTestCore, randomPhone, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { bearer } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';

/**
 * A document renamed on two devices of one parent at the same time: one name wins
 * everywhere, the other is kept on its device as a visible conflict, never silently lost.
 * Two real cores (two devices of the same parent) against a real server; a device is
 * taken offline by a fetch that fails like a pulled cable.
 */

let server: TestServer;
let files: { path: string; remove(): void };
const devices: TestCore[] = [];

beforeAll(async () => {
  server = await startTestServer();
  files = makeTempDir('sferum-rename-src-');
});
afterEach(async () => {
  for (const d of devices.splice(0)) await d.dispose();
});
afterAll(async () => {
  await server?.close();
  files?.remove();
});

/** A device whose network can be cut, and whose pulls can be held at the door. */
interface Device extends TestCore {
  net: { up: boolean; holdPull: Promise<void> | null; pullHeld: (() => void) | null };
}

async function device(): Promise<Device> {
  const net: Device['net'] = { up: true, holdPull: null, pullHeld: null };
  const guarded: typeof fetch = async (input, init) => {
    if (!net.up) throw new TypeError('fetch failed');
    if (net.holdPull && String(input).includes('/api/sync/changes')) {
      net.pullHeld?.();
      await net.holdPull;
    }
    return fetch(input, init);
  };
  const c = await createTestCore({ serverUrl: server.url, fetch: guarded });
  devices.push(c);
  return Object.assign(c, { net });
}

/** Two devices of one new parent, both showing one uploaded document "x.pdf". */
async function twoDevices(): Promise<{ laptop: Device; desktop: Device; doc: DocItem; phone: string }> {
  const phone = randomPhone();
  const laptop = await device();
  const desktop = await device();
  await signInAs(laptop.core, phone);
  await signInAs(desktop.core, phone);
  const file = path.join(files.path, `${randomBytes(4).toString('hex')}/x.pdf`);
  fs.mkdirSync(path.dirname(file));
  fs.writeFileSync(file, randomBytes(2000));
  await laptop.core.documents.enqueuePaths([file], null);
  await laptop.core.documents.uploads.whenIdle();
  const doc = await waitFor(async () => {
    await desktop.core.syncNow();
    return names(desktop).length === 1 ? items(desktop)[0] : null;
  });
  expect(names(laptop)).toEqual(['x.pdf']);
  return { laptop, desktop, doc: doc!, phone };
}

function items(d: TestCore): DocItem[] {
  return d.core.documents.list({ view: 'search', folderId: null, query: '', limit: 1000 }).items;
}
function names(d: TestCore): string[] {
  return items(d).map((i) => i.name);
}
function trashNames(d: TestCore): string[] {
  return d.core.documents
    .list({ view: 'trash', folderId: null, query: '', limit: 1000 })
    .items.map((i) => i.name);
}

async function online(d: Device): Promise<void> {
  d.net.up = true;
  await d.core.syncNow();
}

/** Both devices push and pull until nothing is pending (their pushes may need a second run). */
async function settle(...ds: Device[]): Promise<void> {
  for (let round = 0; round < 3; round++) for (const d of ds) await d.core.syncNow();
  for (const d of ds) expect(d.core.getSyncStatus().pending).toBe(0);
}

describe('races: a document renamed on two devices at once', () => {
  it('both renamed offline: the first to sync wins everywhere, the other is kept as a conflict until applied', async () => {
    const { laptop, desktop, doc } = await twoDevices();
    laptop.net.up = false;
    desktop.net.up = false;
    laptop.core.documents.rename('document', doc.id, 'Справка для школы.pdf');
    desktop.core.documents.rename('document', doc.id, 'Справка (копия).pdf');
    // Each device shows its own name while offline.
    expect(names(laptop)).toEqual(['Справка для школы.pdf']);
    expect(names(desktop)).toEqual(['Справка (копия).pdf']);

    await online(laptop);
    await online(desktop);
    await settle(laptop, desktop);
    // One result everywhere: the rename that reached the server first.
    expect(names(laptop)).toEqual(['Справка для школы.pdf']);
    expect(names(desktop)).toEqual(['Справка для школы.pdf']);
    // The other is not lost: its device keeps it, with both names.
    expect(laptop.core.documents.conflicts()).toEqual([]);
    expect(desktop.core.documents.conflicts()).toEqual([
      {
        kind: 'document',
        id: doc.id,
        mine: 'Справка (копия).pdf',
        theirs: 'Справка для школы.pdf',
        at: expect.any(String),
      },
    ]);

    // It is in the cache on disk: it survives a restart of the app.
    const restarted = Object.assign(await desktop.restart(), { net: desktop.net });
    devices.splice(devices.indexOf(desktop), 1, restarted);
    expect(restarted.core.documents.conflicts()).toEqual([
      expect.objectContaining({ id: doc.id, mine: 'Справка (копия).pdf', theirs: 'Справка для школы.pdf' }),
    ]);

    // «Применить моё»: both devices converge on the kept name, and the notice goes.
    restarted.core.documents.resolveConflict('document', doc.id, 'mine');
    expect(restarted.core.documents.conflicts()).toEqual([]);
    await settle(restarted, laptop);
    expect(names(restarted)).toEqual(['Справка (копия).pdf']);
    expect(names(laptop)).toEqual(['Справка (копия).pdf']);
    expect(restarted.core.documents.conflicts()).toEqual([]);
    expect(laptop.core.documents.conflicts()).toEqual([]);
  });

  it('both renamed online at the same moment: one name everywhere, the other device holds the conflict; «Оставить» dismisses it', async () => {
    const { laptop, desktop, doc } = await twoDevices();
    laptop.core.documents.rename('document', doc.id, 'Лаптоп.pdf');
    desktop.core.documents.rename('document', doc.id, 'Десктоп.pdf');
    await Promise.all([laptop.core.syncNow(), desktop.core.syncNow()]);
    await settle(laptop, desktop);
    const final = names(laptop);
    expect(final).toHaveLength(1);
    expect(names(desktop)).toEqual(final);
    const kept = [...laptop.core.documents.conflicts(), ...desktop.core.documents.conflicts()];
    // Exactly one device lost, and it kept its own name next to the winner.
    expect(kept).toHaveLength(1);
    const loser = laptop.core.documents.conflicts().length === 1 ? laptop : desktop;
    expect(kept[0]).toMatchObject({
      id: doc.id,
      mine: loser === laptop ? 'Лаптоп.pdf' : 'Десктоп.pdf',
      theirs: final[0],
    });
    loser.core.documents.resolveConflict('document', doc.id, 'theirs');
    expect(loser.core.documents.conflicts()).toEqual([]);
    await settle(laptop, desktop);
    expect(names(laptop)).toEqual(final);
    expect(names(desktop)).toEqual(final);
  });

  it('two refused renames in a row on one device roll back to the winning name, not to the first of them', async () => {
    const { laptop, desktop, doc } = await twoDevices();
    desktop.net.up = false;
    laptop.core.documents.rename('document', doc.id, 'Победитель.pdf');
    await settle(laptop);
    // The desktop's pull of the winning name is held while the person renames twice, so
    // both renames are re-applied on top of the pulled record before they are pushed.
    let release!: () => void;
    desktop.net.holdPull = new Promise((resolve) => (release = resolve));
    const held = new Promise<void>((resolve) => (desktop.net.pullHeld = resolve));
    desktop.net.up = true;
    const pulling = desktop.core.syncNow();
    await held;
    expect(names(desktop)).toEqual(['x.pdf']);
    desktop.core.documents.rename('document', doc.id, 'Первое.pdf');
    desktop.core.documents.rename('document', doc.id, 'Второе.pdf');
    desktop.net.holdPull = null;
    release();
    await pulling;
    await settle(desktop, laptop);
    expect(names(desktop)).toEqual(['Победитель.pdf']);
    expect(desktop.core.documents.conflicts()).toEqual([
      expect.objectContaining({ id: doc.id, mine: 'Второе.pdf', theirs: 'Победитель.pdf' }),
    ]);
  });

  it('two renames in a row on one device, the first to a name already taken: no conflict, the device shows the final name', async () => {
    const { laptop, desktop, doc } = await twoDevices();
    const { id: folder } = laptop.core.documents.createFolder(null, 'Табель.pdf');
    await settle(laptop, desktop);
    laptop.net.up = false;
    // Taken by the folder: the server will number it, and so does the device at once.
    laptop.core.documents.rename('document', doc.id, 'табель.pdf');
    expect(names(laptop)).toContain('табель (2).pdf');
    laptop.core.documents.rename('document', doc.id, 'Итоговый табель.pdf');
    await online(laptop);
    await settle(laptop, desktop);
    expect(laptop.core.documents.conflicts()).toEqual([]);
    for (const d of [laptop, desktop]) {
      expect(items(d).find((i) => i.id === doc.id)?.name).toBe('Итоговый табель.pdf');
      expect(items(d).find((i) => i.id === folder)?.name).toBe('Табель.pdf');
    }
  });

  it('a move racing with a rename: both apply, the name is kept', async () => {
    const { laptop, desktop, doc } = await twoDevices();
    const { id: folderId } = desktop.core.documents.createFolder(null, 'Школа');
    await settle(desktop, laptop);
    laptop.net.up = false;
    desktop.net.up = false;
    laptop.core.documents.rename('document', doc.id, 'Табель.pdf');
    desktop.core.documents.move('document', doc.id, folderId);
    await online(desktop);
    await online(laptop);
    await settle(laptop, desktop);
    for (const d of [laptop, desktop]) {
      const moved = items(d).find((i) => i.id === doc.id)!;
      expect(moved).toMatchObject({ name: 'Табель.pdf', parentId: folderId });
      expect(d.core.documents.conflicts()).toEqual([]);
    }
  });

  it('the server: a rename without expectedName (an older app) still applies; a stale one is refused with RENAME_CONFLICT', async () => {
    const { laptop, doc, phone } = await twoDevices();
    const web: SignedIn = await signInByPhone(server, phone);
    const push = async (payload: Record<string, unknown>) => {
      const response = await fetch(`${server.url}/api/sync/mutations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(web) },
        body: JSON.stringify({
          mutations: [{ id: randomBytes(12).toString('base64url'), type: 'documents.rename', payload }],
        }),
      });
      return ((await response.json()) as { results: unknown[] }).results[0];
    };
    expect(await push({ kind: 'document', id: doc.id, name: 'Старое приложение.pdf' })).toMatchObject({
      status: 'applied',
    });
    expect(
      await push({ kind: 'document', id: doc.id, name: 'Устаревшее.pdf', expectedName: 'x.pdf' }),
    ).toMatchObject({ status: 'rejected', error: { code: 'RENAME_CONFLICT' } });
    // The same name the other device chose is no conflict.
    expect(
      await push({ kind: 'document', id: doc.id, name: 'Старое приложение.pdf', expectedName: 'x.pdf' }),
    ).toMatchObject({ status: 'applied' });
    await settle(laptop);
    expect(names(laptop)).toEqual(['Старое приложение.pdf']);
  });
  it('a rename racing a move to the trash on the other device: both apply, the document waits in the trash under the new name and comes back with it', async () => {
    const { laptop, desktop, doc } = await twoDevices();
    laptop.net.up = false;
    laptop.core.documents.rename('document', doc.id, 'Справка для школы.pdf');
    desktop.core.documents.trash('document', doc.id);
    await desktop.core.syncNow();
    await online(laptop);
    await settle(laptop, desktop);
    for (const d of [laptop, desktop]) {
      expect(names(d)).toEqual([]);
      expect(trashNames(d)).toEqual(['Справка для школы.pdf']);
      expect(d.core.documents.conflicts()).toEqual([]);
    }
    desktop.core.documents.restore('document', doc.id);
    await settle(desktop, laptop);
    for (const d of [laptop, desktop]) {
      expect(names(d)).toEqual(['Справка для школы.pdf']);
      expect(trashNames(d)).toEqual([]);
    }
  });

  it('renamed inside a folder that went to the trash meanwhile: restoring the folder brings both back, names kept apart', async () => {
    const { laptop, desktop, doc } = await twoDevices();
    const folder = laptop.core.documents.createFolder(null, 'Школа').id;
    laptop.core.documents.move('document', doc.id, folder);
    const other = path.join(files.path, `${randomBytes(4).toString('hex')}/y.pdf`);
    fs.mkdirSync(path.dirname(other));
    fs.writeFileSync(other, randomBytes(1000));
    await laptop.core.documents.enqueuePaths([other], folder);
    await laptop.core.documents.uploads.whenIdle();
    await settle(laptop, desktop);
    laptop.net.up = false;
    // Offline, the laptop gives x.pdf the name its neighbour already has.
    laptop.core.documents.rename('document', doc.id, 'y.pdf');
    desktop.core.documents.trash('folder', folder);
    await desktop.core.syncNow();
    await online(laptop);
    await settle(laptop, desktop);
    desktop.core.documents.restore('folder', folder);
    await settle(desktop, laptop);
    for (const d of [laptop, desktop]) {
      expect(names(d).sort()).toEqual(['y (2).pdf', 'y.pdf', 'Школа'].sort());
      expect(d.core.documents.conflicts()).toEqual([]);
    }
  });
  it('a move racing a move to the trash on the other device: restored, the document comes back in the folder it was moved to', async () => {
    const { laptop, desktop, doc } = await twoDevices();
    const folder = laptop.core.documents.createFolder(null, 'Школа').id;
    await settle(laptop, desktop);
    laptop.net.up = false;
    laptop.core.documents.move('document', doc.id, folder);
    desktop.core.documents.trash('document', doc.id);
    await desktop.core.syncNow();
    await online(laptop);
    await settle(laptop, desktop);
    for (const d of [laptop, desktop]) expect(trashNames(d)).toEqual(['x.pdf']);
    desktop.core.documents.restore('document', doc.id);
    await settle(desktop, laptop);
    for (const d of [laptop, desktop]) {
      const inFolder = d.core.documents.list({
        view: 'folder',
        folderId: folder,
        query: '',
        limit: 100,
      }).items;
      expect(inFolder.map((i) => i.name)).toEqual(['x.pdf']);
      expect(trashNames(d)).toEqual([]);
    }
  });
});
