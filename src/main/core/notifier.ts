import type { ChatRecord } from '../../shared/chats/index.js';
import type { UploadQueueState } from '../../shared/documents/ipc.js';
import { describeChildChanges, type FamilyEvent } from '../../shared/family/index.js';
import type { Language } from '../../shared/ipc.js';
import { catalogues } from '../../shared/messages/index.js';
import type { CoreEvents } from './events.js';

/** The screen a notification is about; none is shown while the window is focused on it. */
export type NotificationScreen = 'documents' | 'family' | 'chats';

/** Native notifications (Electron's Notification in the app). */
export interface NotificationsPort {
  show(notification: { title: string; body: string; screen: NotificationScreen }): void;
  /** Whether the app's window has the focus. */
  windowFocused(): boolean;
}

interface NotifierDeps {
  events: CoreEvents;
  port: NotificationsPort;
  settings: () => { notifications: boolean; language: Language };
  /** The screen the renderer shows now (reported over IPC). */
  currentScreen: () => string | null;
  childName: (childId: string) => string | null;
  /** New messages from others, one chat at a time (the chats core), and the chat the chats screen shows. */
  chats?: {
    onIncoming(listener: (chat: ChatRecord) => void): () => void;
    shown(): string | null;
  };
}

/** A notification's body: the sender and the start of the message, on one line. */
function preview(chat: ChatRecord): string {
  const last = chat.lastMessage;
  if (!last) return '';
  const text = last.text.replace(/\s+/g, ' ').trim();
  const cut = [...text].length > 120 ? `${[...text].slice(0, 119).join('')}…` : text;
  return chat.kind === 'direct' ? cut : `${last.senderName}: ${cut}`;
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key] ?? ''));
}

/**
 * Turns the core's events into native notifications: uploads that finish (one
 * notification when the queue settles, not one per file) or fail, and a parent
 * joining or leaving a child's profile or changing the child's details. Nothing while notifications are off, and
 * nothing about a screen the parent is looking at.
 */
export function createNotifier(deps: NotifierDeps): () => void {
  const known = new Map<string, string>();
  let started = false;
  let finished: string[] = [];

  function show(screen: NotificationScreen, title: string, body: string) {
    const settings = deps.settings();
    if (!settings.notifications) return;
    if (deps.port.windowFocused() && deps.currentScreen() === screen) return;
    deps.port.show({ title, body, screen });
  }

  function onUploads(state: UploadQueueState) {
    const text = catalogues[deps.settings().language].notifications;
    const errors = catalogues[deps.settings().language].errors as Record<string, string>;
    for (const item of state.items) {
      const before = known.get(item.id);
      known.set(item.id, item.state);
      // Items already finished when the app started are old news.
      if (!started || before === item.state) continue;
      if (item.state === 'done') finished.push(item.name);
      if (item.state === 'failed') {
        const reason = (item.error && errors[item.error.code]) ?? item.error?.message ?? errors.generic ?? '';
        show('documents', text.uploadsTitle, fill(text.uploadFailed, { name: item.name, reason }));
      }
    }
    started = true;
    const busy = state.items.some(
      (i) => i.state === 'queued' || i.state === 'hashing' || i.state === 'uploading',
    );
    if (!busy && finished.length > 0) {
      const body =
        finished.length === 1
          ? fill(text.uploadDoneOne, { name: finished[0]! })
          : fill(text.uploadDoneMany, { count: finished.length });
      finished = [];
      show('documents', text.uploadsTitle, body);
    }
  }

  function onFamily(event: FamilyEvent) {
    const messages = catalogues[deps.settings().language];
    const template = {
      joined: messages.family.noticeJoined,
      left: messages.family.noticeLeft,
      removed: messages.family.noticeRemoved,
      changed: messages.family.noticeChanged,
    }[event.action];
    const child = deps.childName(event.childId) ?? messages.notifications.yourChild;
    const changes = describeChildChanges(event.changes ?? [], messages.family, deps.settings().language);
    show('family', messages.family.noticeTitle, fill(template, { child, parent: event.parentName, changes }));
  }

  /** Not for a muted chat, nor for the chat the focused window shows. */
  function onChat(chat: ChatRecord) {
    if (chat.muted || chat.state !== 'member' || !chat.lastMessage || !deps.settings().notifications) return;
    const looking =
      deps.port.windowFocused() &&
      (deps.currentScreen() === `chats/${chat.id}` ||
        (deps.currentScreen() === 'chats' && deps.chats?.shown() === chat.id));
    if (looking) return;
    deps.port.show({ title: chat.title, body: preview(chat), screen: 'chats' });
  }

  const offs = [
    deps.events.on('uploads.state', onUploads),
    deps.events.on('family.notice', onFamily),
    ...(deps.chats ? [deps.chats.onIncoming(onChat)] : []),
  ];
  return () => offs.forEach((off) => off());
}
