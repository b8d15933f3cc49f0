import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_APPLIERS } from '../../src/main/core/documents/optimistic.js';
import { cleanDocumentRecord, cleanFolderRecord } from '../../src/main/core/documents/feedRecords.js';
import { isInside, LocalCopies, resolveInside } from '../../src/main/core/documents/localPaths.js';
import { screenIncoming } from '../../src/main/core/sync/incoming.js';
import { sanitizeName } from '../../src/shared/documents/index.js';
import type { Change } from '../../src/shared/sync/index.js';
import { createTestLogger } from '../helpers/core.js';
import { anyString, fuzzSeed, nastyString } from '../helpers/fuzz.js';

/**
 * Names and ids in the sync feed come from a server the core does not trust. Every path of
 * a local copy is made by resolveInside (one plain segment at a time, and the resolved
 * result inside its folder), and every record is checked before it reaches the cache.
 */

const root = path.resolve('/srv/sferum/accounts/a1/files');
const at = '2026-01-02T03:04:05.000Z';
const SHA = 'ab'.repeat(32);

const docData = (fields: Record<string, unknown> = {}) => ({
  id: 'doc-00000001',
  folderId: null,
  name: 'Справка.pdf',
  size: 10,
  mime: 'application/pdf',
  sha256: SHA,
  createdAt: at,
  updatedAt: at,
  trashedAt: null,
  trashRoot: null,
  ...fields,
});
const folderData = (fields: Record<string, unknown> = {}) => ({
  id: 'fold-0000001',
  parentId: null,
  name: 'Справки',
  createdAt: at,
  updatedAt: at,
  trashedAt: null,
  trashRoot: null,
  ...fields,
});

describe('resolveInside', () => {
  it.each([
    '',
    '.',
    '..',
    '../x',
    'a/b',
    'a\\b',
    '..\\..\\x',
    '/etc/passwd',
    'C:\\x',
    'C:x',
    'file.txt:stream',
    '\\\\host\\share',
    'a\u0000b',
    'a\nb',
  ])('refuses %j', (segment) => {
    expect(() => resolveInside(root, segment)).toThrow(
      expect.objectContaining({ code: 'FILE_NAME_INVALID' }),
    );
  });

  it.each(['Справка.pdf', '.._.._x.txt', '..foo', '.hidden', '_CON.txt'])(
    'keeps %j one level down',
    (segment) => {
      expect(resolveInside(root, segment)).toBe(path.join(root, segment));
    },
  );

  it('checks every segment and the resolved whole', () => {
    expect(resolveInside(root, 'doc-00000001', 'a.txt')).toBe(path.join(root, 'doc-00000001', 'a.txt'));
    expect(() => resolveInside(root, 'doc-00000001', '..')).toThrow();
    expect(() => resolveInside(root, '..', 'files')).toThrow();
  });

  it('answers a path inside its folder, or refuses, whatever the segment', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, nastyString), (segment) => {
        let full: string;
        try {
          full = resolveInside(root, segment);
        } catch {
          return;
        }
        expect(isInside(root, full)).toBe(true);
        expect(path.dirname(full)).toBe(root);
      }),
      { numRuns: 2000, seed: fuzzSeed() },
    );
  });

  it('takes every name the sanitiser accepts: local names and server names follow one rule', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, nastyString), (raw) => {
        const name = sanitizeName(raw.slice(0, 1000));
        if (name.ok) expect(path.dirname(resolveInside(root, name.name))).toBe(root);
      }),
      { numRuns: 2000, seed: fuzzSeed() },
    );
  });
});

describe('isInside', () => {
  it('compares resolved paths, not prefixes', () => {
    expect(isInside(root, path.join(root, 'x'))).toBe(true);
    expect(isInside(root, `${root}-other/x`)).toBe(false);
    expect(isInside(root, path.join(root, '..', 'x'))).toBe(false);
    expect(isInside(root, root)).toBe(false);
    expect(isInside(root, root, { strict: false })).toBe(true);
  });
});

describe('LocalCopies', () => {
  const copies = new LocalCopies(root);

  it('names folders by ids of the strict pattern only', () => {
    expect(copies.dirOf('doc-00000001')).toBe(path.join(root, 'doc-00000001'));
    for (const id of ['../../x-0000', 'short', 'doc 0000001', 'a'.repeat(65), 'C:\\x-000000', '..']) {
      expect(() => copies.dirOf(id)).toThrow(expect.objectContaining({ code: 'FILE_NAME_INVALID' }));
    }
  });

  it('names downloads in progress after nothing the server said', () => {
    const part = copies.partOf('doc-00000001');
    expect(path.dirname(part)).toBe(path.join(root, 'doc-00000001'));
    expect(path.basename(part)).toMatch(/^\.download-[0-9a-f]{12}\.part$/);
  });

  it('trusts a recorded path only in the document’s own folder', () => {
    const own = path.join(root, 'doc-00000001', 'a.txt');
    expect(copies.holds('doc-00000001', own)).toBe(true);
    expect(copies.holds('doc-00000002', own)).toBe(false);
    expect(copies.holds('doc-00000001', path.join(root, 'doc-00000001', '..', '..', 'a.txt'))).toBe(false);
    expect(copies.holds('doc-00000001', path.join(root, 'doc-00000001', 'sub', 'a.txt'))).toBe(false);
    expect(copies.contains(own)).toBe(true);
    expect(copies.contains('/etc/passwd')).toBe(false);
  });
});

describe('records from the feed', () => {
  it('keeps a valid document as it is', () => {
    expect(cleanDocumentRecord(docData())).toEqual({ ok: true, record: docData() });
  });

  it('cleans a name by the local rules and keeps the server’s spelling for a rename', () => {
    const cleaned = cleanDocumentRecord(docData({ name: '../../x.txt' }));
    expect(cleaned).toEqual({
      ok: true,
      record: docData({ name: '.._.._x.txt', serverName: '../../x.txt' }),
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['a name of dots', { name: '..' }],
    ['an empty name', { name: '' }],
    ['a huge name', { name: 'x'.repeat(300_000) }],
    ['a name that is not text', { name: 42 }],
    ['an id with ../', { id: '../../x-000000' }],
    ['a folder id with ../', { folderId: '../../etc' }],
    ['a negative size', { size: -1 }],
    ['a fractional size', { size: 1.5 }],
    ['a size beyond safe integers', { size: 2 ** 60 }],
    ['a size as text', { size: '10' }],
    ['a short hash', { sha256: 'abc' }],
    ['an upper-case hash', { sha256: SHA.toUpperCase() }],
    ['a hash with a path', { sha256: `../${SHA.slice(3)}` }],
    ['no hash', { sha256: null }],
    ['a time that is not one', { updatedAt: 'yesterday' }],
    ['a trash root that is not an id', { trashRoot: '../x' }],
  ])('refuses a document with %s', (_label, fields) => {
    expect(cleanDocumentRecord(docData(fields)).ok).toBe(false);
  });

  it('refuses a folder that is its own parent or has a bad parent', () => {
    expect(cleanFolderRecord(folderData()).ok).toBe(true);
    expect(cleanFolderRecord(folderData({ parentId: 'fold-0000001' })).ok).toBe(false);
    expect(cleanFolderRecord(folderData({ parentId: '../x' })).ok).toBe(false);
    expect(cleanFolderRecord(folderData({ name: null })).ok).toBe(false);
  });

  it('drops the server’s spelling once this device renames the item', () => {
    const current = docData({ name: '.._x.txt', serverName: '../x.txt' });
    const renamed = DOCUMENT_APPLIERS['documents.rename'].apply(current, {
      kind: 'document',
      id: 'doc-00000001',
      name: 'Новое.txt',
    });
    expect(renamed).toEqual(docData({ name: 'Новое.txt' }));
  });
});

describe('screenIncoming', () => {
  const put = (entity: Change['entity'], id: string, data: Record<string, unknown> | null): Change => ({
    entity,
    id,
    op: 'put',
    data,
  });

  it('skips what fails, with a log line, and passes the rest on cleaned', () => {
    const logger = createTestLogger();
    const changes: Change[] = [
      put('document', 'doc-00000001', docData()),
      put('document', '../../x-0000', docData({ id: '../../x-0000' })),
      put('document', 'doc-00000003', docData({ id: 'doc-00000003', name: 'a/b.txt' })),
      put('document', 'doc-00000004', docData({ id: 'doc-00000009' })),
      put('folder', 'fold-0000001', folderData({ name: null })),
      { entity: 'document', id: '../anything', op: 'delete', data: null },
      put('profile', 'user-1', { surname: 'Петрова' }),
    ];
    const accepted = screenIncoming(changes, logger);
    expect(accepted.map((c) => c.id)).toEqual(['doc-00000001', 'doc-00000003', '../anything', 'user-1']);
    expect(accepted[1]!.data).toMatchObject({ name: 'a_b.txt', serverName: 'a/b.txt' });
    expect(logger.lines.filter((line) => line.startsWith('warn: Skipped'))).toHaveLength(3);
  });

  it('logs a flood of lies in a bounded number of lines', () => {
    const logger = createTestLogger();
    const lies = Array.from({ length: 500 }, (_, i) => put('document', `doc-${i}`, docData({ size: -1 })));
    expect(screenIncoming(lies, logger)).toEqual([]);
    expect(logger.lines.length).toBeLessThanOrEqual(11);
  });
});
