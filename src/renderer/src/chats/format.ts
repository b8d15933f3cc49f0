import type { TFunction } from 'i18next';

const formats = new Map<string, Intl.DateTimeFormat>();

function format(language: string, key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${language}:${key}`;
  let f = formats.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat(language, options);
    formats.set(id, f);
  }
  return f;
}

function dayStart(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** "14:05". */
export function formatTime(iso: string, language: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return format(language, 'time', { hour: 'numeric', minute: '2-digit' }).format(date);
}

/** The time in the chat list: today's time, «вчера», a date this year, or a full date. */
export function formatListTime(t: TFunction, iso: string, language: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const days = Math.round((dayStart(now) - dayStart(date)) / 86_400_000);
  if (days <= 0) return formatTime(iso, language);
  if (days === 1) return t('chats.yesterday');
  if (date.getFullYear() === now.getFullYear()) {
    return format(language, 'dm', { day: 'numeric', month: 'short' }).format(date);
  }
  return format(language, 'dmy', { day: 'numeric', month: 'short', year: 'numeric' }).format(date);
}

/** The day separator of the timeline: «Сегодня», «Вчера», «3 декабря», «3 декабря 2025 г.». */
export function formatDay(t: TFunction, iso: string, language: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const days = Math.round((dayStart(now) - dayStart(date)) / 86_400_000);
  if (days === 0) return t('chats.today');
  if (days === 1) return t('chats.yesterdayDay');
  if (date.getFullYear() === now.getFullYear()) {
    return format(language, 'dmlong', { day: 'numeric', month: 'long' }).format(date);
  }
  return format(language, 'dmylong', { day: 'numeric', month: 'long', year: 'numeric' }).format(date);
}

/** Whether two instants fall on the same local day. */
export function sameDay(a: string, b: string): boolean {
  return dayStart(new Date(a)) === dayStart(new Date(b));
}
