import type { TFunction } from 'i18next';

/** "1,5 МБ" / "1.5 MB": sizes in the reader's language. */
export function formatBytes(t: TFunction, bytes: number, language: string): string {
  const fmt = (v: number) => v.toLocaleString(language, { maximumFractionDigits: v < 10 ? 1 : 0 });
  if (bytes < 1024) return t('documents.bytes', { value: fmt(bytes) });
  if (bytes < 1024 ** 2) return t('documents.kb', { value: fmt(bytes / 1024) });
  if (bytes < 1024 ** 3) return t('documents.mb', { value: fmt(bytes / 1024 ** 2) });
  return t('documents.gb', { value: fmt(bytes / 1024 ** 3) });
}

export function formatDuration(t: TFunction, seconds: number): string {
  if (seconds < 60) return t('documents.seconds', { value: Math.max(1, Math.round(seconds)) });
  if (seconds < 3600) return t('documents.minutes', { value: Math.round(seconds / 60) });
  return t('documents.hours', { value: Math.round((seconds / 3600) * 10) / 10 });
}

export function formatDate(iso: string, language: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleDateString(language, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** A short type label for the icon: "PDF", "JPG"... */
export function typeLabel(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1, dot + 5).toUpperCase() : '';
}
