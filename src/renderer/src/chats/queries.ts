import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useBridge } from '../backend/BridgeContext.js';

export const chatKeys = {
  list: ['chats', 'list'] as const,
  contacts: ['chats', 'contacts'] as const,
  search: (query: string) => ['chats', 'search', query] as const,
  acks: (chatId: string, seq: number) => ['chats', 'acks', chatId, seq] as const,
};

/** «Сообщения»: every chat with its unread count, and the total for the menu's badge. */
export function useChatList() {
  const bridge = useBridge();
  return useQuery({ queryKey: chatKeys.list, queryFn: () => bridge.chatsList() });
}

/** Keeps the chat list (and so the badge) fresh on every `chats.changed`. */
export function useChatsLive(): void {
  const bridge = useBridge();
  const client = useQueryClient();
  useEffect(() => {
    if (typeof bridge.on !== 'function') return;
    return bridge.on('chats.changed', () => {
      void client.invalidateQueries({ queryKey: ['chats'] });
    });
  }, [bridge, client]);
}

/** The unread messages over every chat not muted (null until known). */
export function useUnreadTotal(): number | null {
  useChatsLive();
  const list = useChatList();
  return list.data?.unreadTotal ?? null;
}

export function useContacts(enabled: boolean) {
  const bridge = useBridge();
  return useQuery({ queryKey: chatKeys.contacts, queryFn: () => bridge.chatsContacts(), enabled });
}

export function useChatSearch(query: string) {
  const bridge = useBridge();
  const q = query.trim();
  return useQuery({
    queryKey: chatKeys.search(q),
    queryFn: () => bridge.chatsSearch({ query: q, limit: 30 }),
    enabled: q.length > 0,
    staleTime: 0,
  });
}

/** `#/chats/<chatId>` (and `?seq=N`: at that message) opens one chat. */
export function chatFromHash(hash: string): { chatId: string; seq: number | null } | null {
  const m = /^#\/chats\/([^/?#]+)(?:\?seq=(\d+))?/.exec(hash);
  if (!m?.[1]) return null;
  return { chatId: decodeURIComponent(m[1]), seq: m[2] ? Number(m[2]) : null };
}

export function chatHref(chatId: string, seq?: number): string {
  return `#/chats/${encodeURIComponent(chatId)}${seq ? `?seq=${seq}` : ''}`;
}
