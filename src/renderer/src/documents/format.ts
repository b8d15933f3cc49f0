import type { TFunction } from 'i18next';

// Building an Intl formatter costs far more than using one, and every row formats twice.
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(language: string, digits: number): Intl.NumberFormat {
  const key = `${language}:${digits}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(language, { maximumFractionDigits: digits });
    numberFormats.set(key, format);
  }
  return format;
}

/** "1,5 МБ" / "1.5 MB": sizes in the reader's language. */
export function formatBytes(t: TFunction, bytes: number, language: string): string {
  const fmt = (v: number) => numberFormat(language, v < 10 ? 1 : 0).format(v);
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
  let format = dateFormats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(language, { day: 'numeric', month: 'short', year: 'numeric' });
    dateFormats.set(language, format);
  }
  return format.format(date);
}

/** A short type label for the icon: "PDF", "JPG"... */
export function typeLabel(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1, dot + 5).toUpperCase() : '';
}
