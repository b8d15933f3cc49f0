import type { ErrorCode } from '../../../shared/errors.js';
import type { ChatAttachment } from '../../../shared/chats/ipc.js';
import type { PendingMessage, WireMessage } from '../../../client/chats/wire.js';
import type { CacheDatabase } from '../cache/db.js';
import { ftsQuery, normalise } from './search.js';

/** The run of a chat's history this device holds, and what it knows about the chat's readers. */
export interface Held {
  chatId: string;
  low: number;
  high: number;
  rev: number;
  members: { userId: string; readSeq: number }[] | null;
  localRead: number;
}

interface MessageRow {
  chat_id: string;
  seq: number;
  rev: number;
  id: string;
  sender_id: string;
  sender_name: string;
  text: string;
  reply_to_seq: number | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  deleted_by: 'sender' | 'admin' | null;
  attachments: string;
  acked: number | null;
  client_id: string | null;
}

interface OutboxRow {
  seq: number;
  client_id: string;
  user_id: string;
  chat_id: string;
  text: string;
  reply_to_seq: number | null;
  document_ids: string;
  created_at: string;
  status: 'sending' | 'failed';
  error_code: string | null;
  error_message: string | null;
}

export type CachedMessage = WireMessage & { clientId: string | null };

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function messageOf(row: MessageRow): CachedMessage {
  return {
    id: row.id,
    chatId: row.chat_id,
    seq: row.seq,
    rev: row.rev,
    senderId: row.sender_id,
    senderName: row.sender_name,
    text: row.text,
    replyToSeq: row.reply_to_seq,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    deletedBy: row.deleted_by,
    attachments: parseJson<ChatAttachment[]>(row.attachments, []),
    acked: row.acked === null ? null : row.acked === 1,
    clientId: row.client_id,
  };
}

function pendingOf(row: OutboxRow): PendingMessage {
  return {
    clientId: row.client_id,
    chatId: row.chat_id,
    text: row.text,
    replyToSeq: row.reply_to_seq,
    documentIds: parseJson<string[]>(row.document_ids, []),
    createdAt: row.created_at,
    status: row.status,
    error:
      row.status === 'failed'
        ? { code: (row.error_code ?? 'INTERNAL') as ErrorCode, message: row.error_message ?? '' }
        : null,
  };
}

/**
 * The chats tables of one account's cache (migration 0008): held history with its search
 * index, the outbox, drafts. Plain synchronous calls over statements prepared once.
 */
export class ChatCache {
  private readonly s;

  constructor(private readonly db: CacheDatabase) {
    this.s = {
      owner: db.prepare<[], { user_id: string }>('SELECT user_id FROM chat_owner WHERE only = 1'),
      setOwner: db.prepare<[string]>(
        'INSERT INTO chat_owner (only, user_id) VALUES (1, ?) ON CONFLICT (only) DO UPDATE SET user_id = excluded.user_id',
      ),
      held: db.prepare<[string], Record<string, unknown>>('SELECT * FROM chat_held WHERE chat_id = ?'),
      putHeld: db.prepare<[string, number, number, number, string | null, number]>(
        `INSERT INTO chat_held (chat_id, low_seq, high_seq, rev, members, local_read_seq) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (chat_id) DO UPDATE SET low_seq = excluded.low_seq, high_seq = excluded.high_seq,
           rev = excluded.rev, members = excluded.members, local_read_seq = excluded.local_read_seq`,
      ),
      allHeld: db.prepare<[], Record<string, unknown>>('SELECT * FROM chat_held'),
      rowidOf: db.prepare<[string, number], { rowid: number; rev: number }>(
        'SELECT rowid, rev FROM chat_messages WHERE chat_id = ? AND seq = ?',
      ),
      insertMessage: db.prepare(
        `INSERT INTO chat_messages (chat_id, seq, rev, id, sender_id, sender_name, text, reply_to_seq,
           created_at, edited_at, deleted_at, deleted_by, attachments, acked, client_id)
         VALUES (@chatId, @seq, @rev, @id, @senderId, @senderName, @text, @replyToSeq,
           @createdAt, @editedAt, @deletedAt, @deletedBy, @attachments, @acked, @clientId)`,
      ),
      updateMessage: db.prepare(
        `UPDATE chat_messages SET rev = @rev, id = @id, sender_id = @senderId, sender_name = @senderName,
           text = @text, reply_to_seq = @replyToSeq, created_at = @createdAt, edited_at = @editedAt,
           deleted_at = @deletedAt, deleted_by = @deletedBy, attachments = @attachments, acked = @acked,
           client_id = coalesce(@clientId, client_id)
         WHERE chat_id = @chatId AND seq = @seq`,
      ),
      setAcked: db.prepare<[string, number]>(
        'UPDATE chat_messages SET acked = 1 WHERE chat_id = ? AND seq = ?',
      ),
      deleteSearch: db.prepare<[number]>('DELETE FROM chat_search WHERE rowid = ?'),
      insertSearch: db.prepare<[number, string]>('INSERT INTO chat_search (rowid, body) VALUES (?, ?)'),
      message: db.prepare<[string, number], MessageRow>(
        'SELECT * FROM chat_messages WHERE chat_id = ? AND seq = ?',
      ),
      before: db.prepare<[string, number, number, number], MessageRow>(
        'SELECT * FROM chat_messages WHERE chat_id = ? AND seq < ? AND seq >= ? ORDER BY seq DESC LIMIT ?',
      ),
      after: db.prepare<[string, number, number, number], MessageRow>(
        'SELECT * FROM chat_messages WHERE chat_id = ? AND seq > ? AND seq >= ? ORDER BY seq ASC LIMIT ?',
      ),
      search: db.prepare<[string, number], MessageRow>(
        `SELECT m.* FROM chat_search f JOIN chat_messages m ON m.rowid = f.rowid
         WHERE chat_search MATCH ? AND m.deleted_at IS NULL
         ORDER BY m.created_at DESC, m.seq DESC LIMIT ?`,
      ),
      outboxAll: db.prepare<[string], OutboxRow>('SELECT * FROM chat_outbox WHERE user_id = ? ORDER BY seq'),
      outboxChat: db.prepare<[string, string], OutboxRow>(
        'SELECT * FROM chat_outbox WHERE user_id = ? AND chat_id = ? ORDER BY seq',
      ),
      outboxOne: db.prepare<[string, string, string], OutboxRow>(
        'SELECT * FROM chat_outbox WHERE user_id = ? AND chat_id = ? AND client_id = ?',
      ),
      outboxAdd: db.prepare(
        `INSERT INTO chat_outbox (client_id, user_id, chat_id, text, reply_to_seq, document_ids, created_at, status)
         VALUES (@clientId, @userId, @chatId, @text, @replyToSeq, @documentIds, @createdAt, 'sending')`,
      ),
      outboxFail: db.prepare<[string, string, string]>(
        "UPDATE chat_outbox SET status = 'failed', error_code = ?, error_message = ? WHERE client_id = ?",
      ),
      outboxRemove: db.prepare<[string]>('DELETE FROM chat_outbox WHERE client_id = ?'),
      draft: db.prepare<[string, string], { text: string }>(
        'SELECT text FROM chat_drafts WHERE user_id = ? AND chat_id = ?',
      ),
      setDraft: db.prepare<[string, string, string]>(
        'INSERT INTO chat_drafts (user_id, chat_id, text) VALUES (?, ?, ?) ON CONFLICT (user_id, chat_id) DO UPDATE SET text = excluded.text',
      ),
      removeDraft: db.prepare<[string, string]>('DELETE FROM chat_drafts WHERE user_id = ? AND chat_id = ?'),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Another person's history is dropped before this one's is kept (outbox and drafts are per person). */
  ensureOwner(userId: string): void {
    if (this.s.owner.get()?.user_id === userId) return;
    this.transaction(() => {
      this.db.exec('DELETE FROM chat_messages; DELETE FROM chat_search; DELETE FROM chat_held;');
      this.s.setOwner.run(userId);
    });
  }

  private heldOf(row: Record<string, unknown>): Held {
    return {
      chatId: row.chat_id as string,
      low: row.low_seq as number,
      high: row.high_seq as number,
      rev: row.rev as number,
      members: parseJson<Held['members']>((row.members as string | null) ?? null, null),
      localRead: row.local_read_seq as number,
    };
  }

  held(chatId: string): Held | null {
    const row = this.s.held.get(chatId);
    return row ? this.heldOf(row) : null;
  }

  allHeld(): Held[] {
    return this.s.allHeld.all().map((r) => this.heldOf(r));
  }

  putHeld(h: Held): void {
    this.s.putHeld.run(
      h.chatId,
      h.low,
      h.high,
      h.rev,
      h.members ? JSON.stringify(h.members) : null,
      h.localRead,
    );
  }

  /** Keeps a message (a newer revision replaces an older one) and its search entry. */
  putMessage(message: WireMessage, clientId: string | null = null): void {
    const existing = this.s.rowidOf.get(message.chatId, message.seq);
    if (existing && existing.rev > message.rev) return;
    const params = {
      ...message,
      text: message.deletedAt ? '' : message.text,
      attachments: JSON.stringify(message.attachments),
      acked: message.acked === null ? null : message.acked ? 1 : 0,
      clientId,
    };
    let rowid: number;
    if (existing) {
      this.s.updateMessage.run(params);
      rowid = existing.rowid;
      this.s.deleteSearch.run(rowid);
    } else {
      rowid = Number(this.s.insertMessage.run(params).lastInsertRowid);
    }
    if (!message.deletedAt && message.text) this.s.insertSearch.run(rowid, normalise(message.text));
  }

  setAcked(chatId: string, seq: number): void {
    this.s.setAcked.run(chatId, seq);
  }

  message(chatId: string, seq: number): CachedMessage | null {
    const row = this.s.message.get(chatId, seq);
    return row ? messageOf(row) : null;
  }

  /** Up to `limit` held messages before `seq`, oldest first. */
  before(chatId: string, seq: number, low: number, limit: number): CachedMessage[] {
    return this.s.before.all(chatId, seq, low, limit).map(messageOf).reverse();
  }

  /** Up to `limit` held messages after `seq`, oldest first. */
  after(chatId: string, seq: number, low: number, limit: number): CachedMessage[] {
    return this.s.after.all(chatId, seq, low, limit).map(messageOf);
  }

  search(words: readonly string[], limit: number): CachedMessage[] {
    if (words.length === 0) return [];
    return this.s.search.all(ftsQuery(words), limit).map(messageOf);
  }

  outbox(userId: string, chatId?: string): PendingMessage[] {
    const rows = chatId ? this.s.outboxChat.all(userId, chatId) : this.s.outboxAll.all(userId);
    return rows.map(pendingOf);
  }

  pending(userId: string, chatId: string, clientId: string): PendingMessage | null {
    const row = this.s.outboxOne.get(userId, chatId, clientId);
    return row ? pendingOf(row) : null;
  }

  addPending(userId: string, p: PendingMessage): void {
    this.s.outboxAdd.run({
      clientId: p.clientId,
      userId,
      chatId: p.chatId,
      text: p.text,
      replyToSeq: p.replyToSeq,
      documentIds: JSON.stringify(p.documentIds),
      createdAt: p.createdAt,
    });
  }

  failPending(clientId: string, error: { code: string; message: string }): void {
    this.s.outboxFail.run(error.code, error.message, clientId);
  }

  removePending(clientId: string): void {
    this.s.outboxRemove.run(clientId);
  }

  draft(userId: string, chatId: string): string {
    return this.s.draft.get(userId, chatId)?.text ?? '';
  }

  setDraft(userId: string, chatId: string, text: string): void {
    if (text) this.s.setDraft.run(userId, chatId, text);
    else this.s.removeDraft.run(userId, chatId);
  }
}
