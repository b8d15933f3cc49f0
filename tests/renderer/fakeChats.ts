import type { ChatsBridge } from '../../src/client/chats/remote.js';
import { AppError } from '../../src/shared/errors.js';

/** The chats part of the fake bridge: no chats, nothing to search; drafts kept in memory. */
export function createFakeChats(): ChatsBridge {
  const drafts = new Map<string, string>();
  const none = async (): Promise<never> => {
    throw new AppError('CHAT_NOT_MEMBER', 'This chat is not among yours.');
  };
  return {
    chatsList: async () => ({ chats: [], unreadTotal: 0 }),
    chatsContacts: async () => ({ contacts: [] }),
    chatsOpenDirect: async () => {
      throw new AppError('CHAT_DIRECT_NOT_ALLOWED', 'A direct chat with this person is not allowed.');
    },
    chatsHistory: none,
    chatsSend: none,
    chatsRetry: none,
    chatsDiscard: none,
    chatsEdit: none,
    chatsDelete: none,
    chatsReport: none,
    chatsMarkRead: none,
    chatsAck: none,
    chatsAcks: none,
    chatsMembers: none,
    chatsMute: none,
    chatsSearch: async () => ({ hits: [] }),
    chatsGetDraft: async ({ chatId }) => ({ text: drafts.get(chatId) ?? '' }),
    chatsSetDraft: async ({ chatId, text }) => {
      drafts.set(chatId, text);
      return null;
    },
  };
}
