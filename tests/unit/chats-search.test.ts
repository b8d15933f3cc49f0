import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChatCache } from '../../src/main/core/chats/cache.js';
import { ftsQuery, normalise, queryWords, snippetOf } from '../../src/main/core/chats/search.js';
import { CACHE_MIGRATIONS, migrateCache } from '../../src/main/core/cache/migrations/index.js';

/** The desktop's chat search pieces: normalising, the FTS5 query, the snippet, on a real SQLite. */

const message = (seq: number, text: string, createdAt = `2026-03-0${seq}T10:00:00.000Z`) => ({
  id: `m${seq}`,
  chatId: 'chat-1',
  seq,
  rev: seq,
  senderId: 'u1',
  senderName: 'Смирнова Ольга',
  text,
  replyToSeq: null,
  createdAt,
  editedAt: null,
  deletedAt: null,
  deletedBy: null,
  attachments: [],
  acked: null,
});

describe('chat search', () => {
  it('normalises case and ё one character for one, so positions in the original hold', () => {
    expect(normalise('Ёлка ЁЖИК')).toBe('елка ежик');
    // A letter whose lower case is longer stays as it is.
    expect(normalise('İstanbul')).toHaveLength('İstanbul'.length);
    expect(queryWords(' Олимп, "ёлк*" OR ')).toEqual(['олимп', 'елк', 'or']);
    expect(ftsQuery(['олимп', 'or'])).toBe('"олимп"* "or"*');
  });

  it('marks every matched word in the original text and cuts long texts around the first match', () => {
    expect(snippetOf('Ёлка и олимпиада: Олимпиаде быть', ['елк', 'олимп'])).toBe(
      '\uE000Ёлка\uE001 и \uE000олимпиада\uE001: \uE000Олимпиаде\uE001 быть',
    );
    const long = `${'слово '.repeat(100)}Олимпиада ${'конец '.repeat(100)}`;
    const cut = snippetOf(long, ['олимп']);
    expect(cut.startsWith('…')).toBe(true);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).toContain('\uE000Олимпиада\uE001');
  });

  it('finds by word prefixes with FTS5, newest first, and forgets deleted and edited-away words', () => {
    const db = new Database(':memory:');
    migrateCache(db, CACHE_MIGRATIONS);
    const cache = new ChatCache(db);
    cache.putMessage(message(1, 'Напоминаю об Олимпиаде по математике'));
    cache.putMessage(message(2, 'Олимпиада: итоги в пятницу'));
    cache.putMessage(message(3, 'Ёлка 28 декабря'));
    expect(cache.search(['олимп'], 10).map((m) => m.seq)).toEqual([2, 1]);
    expect(cache.search(['елк', '28'], 10).map((m) => m.seq)).toEqual([3]);
    expect(cache.search(['лимп'], 10)).toEqual([]);
    // An edit replaces the indexed words; an older revision never overwrites a newer one.
    cache.putMessage({ ...message(2, 'Итоги в пятницу'), rev: 5 });
    cache.putMessage({ ...message(2, 'Олимпиада: итоги в пятницу'), rev: 4 });
    expect(cache.search(['олимп'], 10).map((m) => m.seq)).toEqual([1]);
    cache.putMessage({
      ...message(1, ''),
      rev: 6,
      deletedAt: '2026-03-09T00:00:00.000Z',
      deletedBy: 'sender',
    });
    expect(cache.search(['олимп'], 10)).toEqual([]);
    expect(cache.search([], 10)).toEqual([]);
    db.close();
  });
});
