import { describe, expect, it } from 'vitest';
import { formatDate as formatShortDate } from '../../src/renderer/src/documents/format.js';
import { formatDate, formatDateTime } from '../../src/renderer/src/family/format.js';
import { createI18n } from '../../src/renderer/src/i18n.js';
import { ERROR_CODES } from '../../src/shared/errors.js';
import { en, ru } from '../../src/shared/messages/index.js';

/** Every leaf as "dotted.key" → text. */
function leaves(tree: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of leaves(value as object, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();

const MOMENT = '2026-12-17T10:00:00.000Z';

/** Placeholders that take a date or a moment (a changed value may be a date of birth). */
const DATE_PLACEHOLDERS = /^(date|from|to|until|since|\w*(Date|At))$/;

/** What a date placeholder is filled with on screen: each formatter's real output. */
function formattedDates(language: 'ru' | 'en'): string[] {
  return [
    formatDate(MOMENT, language),
    formatDate('2026-12-17', language),
    formatDateTime(MOMENT, language),
    formatShortDate(MOMENT, language),
    // The sessions list in «Настройки».
    new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short' }).format(new Date(MOMENT)),
  ];
}

/** A realistic value for any other placeholder; a reason is a whole sentence, as on screen. */
function sample(name: string, language: 'ru' | 'en'): string {
  const catalogue = language === 'ru' ? ru : en;
  if (name === 'reason') return catalogue.errors.SESSION_REVOKED;
  if (name === 'url') return 'https://family.school.ru';
  if (name === 'version') return '1.2.3';
  if (/^(count|max|number|digits|seconds|done|files|value)$/.test(name)) return '12';
  if (/^(used|limit|sent|total|size|speed)$/.test(name)) return language === 'ru' ? '1,5 МБ' : '1.5 MB';
  if (/^(time|wait)$/.test(name)) return language === 'ru' ? '2 мин' : '2 min';
  return language === 'ru' ? 'Петров Илья' : 'Ilya Petrov';
}

/**
 * Two marks in a row («г..», «,,», «:.», «!.») or a space before one. «г.,», «г.)» and
 * «г.?» stay: Russian keeps an abbreviation's full stop before them, only a second full
 * stop is one too many.
 */
function doubledPunctuation(text: string): string[] {
  return [...text.matchAll(/([.,;:!?])\1|[,;:][.,;:!?]|[!?][.,;:]|\s[.,;:!?]/g)].map((m) => m[0]);
}

describe('message catalogue', () => {
  const ruLeaves = leaves(ru);
  const enLeaves = leaves(en);

  it('has the same keys in Russian and English', () => {
    expect([...enLeaves.keys()].sort()).toEqual([...ruLeaves.keys()].sort());
  });

  it('has a sentence for every error code in both languages', () => {
    for (const code of ERROR_CODES) {
      expect(ruLeaves.get(`errors.${code}`), `ru errors.${code}`).toBeTruthy();
      expect(enLeaves.get(`errors.${code}`), `en errors.${code}`).toBeTruthy();
    }
  });

  it('uses the same placeholders in both languages and leaves nothing empty', () => {
    for (const [key, text] of ruLeaves) {
      expect(text.trim(), key).not.toBe('');
      expect(placeholders(enLeaves.get(key) ?? ''), key).toEqual(placeholders(text));
    }
  });

  it('has no doubled punctuation, also with a real formatted date in every message that takes one', () => {
    // The fault this guards against: a Russian date ends with «г.», so «до {{date}}.» showed «г..».
    expect(formatDate(MOMENT, 'ru')).toBe('17 декабря 2026 г.');
    const withDates: string[] = [];
    const faults: string[] = [];
    for (const language of ['ru', 'en'] as const) {
      const i18n = createI18n(language);
      for (const [key, text] of leaves(language === 'ru' ? ru : en)) {
        const names = [...new Set(placeholders(text))];
        const values = Object.fromEntries(names.map((name) => [name, sample(name, language)]));
        const shown = [text, i18n.t(key as never, values)];
        for (const name of names.filter((n) => DATE_PLACEHOLDERS.test(n))) {
          withDates.push(`${language} ${key}`);
          for (const date of formattedDates(language))
            shown.push(i18n.t(key as never, { ...values, [name]: date }));
        }
        for (const [index, one] of shown.entries()) {
          if (index > 0 && one.includes('{{'))
            faults.push(`${language} ${key}: a placeholder left in «${one}»`);
          if (doubledPunctuation(one).length > 0) faults.push(`${language} ${key}: «${one}»`);
        }
      }
    }
    expect(faults).toEqual([]);
    expect(withDates).toEqual(
      expect.arrayContaining(['ru invite.expires', 'ru invite.elsewhere', 'en invite.expires']),
    );
  });
});
