import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeUploadMetadata,
  freeName,
  nameRefusal,
  numberedName,
  sanitizeName,
} from '../../src/shared/documents/index.js';
import { hasHiddenCharacters, hasLoneSurrogate } from '../../src/shared/text.js';
import { fuzzSeed } from '../helpers/fuzz.js';

describe('document names', () => {
  it('keeps ordinary names and cleans unsafe ones', () => {
    expect(sanitizeName('Справка 2024.pdf')).toEqual({ ok: true, name: 'Справка 2024.pdf' });
    expect(sanitizeName('a<b>:c"d|e?f*.txt')).toEqual({ ok: true, name: 'a_b__c_d_e_f_.txt' });
    expect(sanitizeName('../secret')).toEqual({ ok: true, name: '.._secret' });
    expect(sanitizeName('C:\\Windows\\x.dll')).toEqual({ ok: true, name: 'C__Windows_x.dll' });
    expect(sanitizeName('name. . ')).toEqual({ ok: true, name: 'name' });
    expect(sanitizeName('nul')).toEqual({ ok: true, name: '_nul' });
    expect(sanitizeName('LPT1.doc')).toEqual({ ok: true, name: '_LPT1.doc' });
    expect(sanitizeName('console.log')).toEqual({ ok: true, name: 'console.log' });
  });

  it('refuses names of only dots, slashes or spaces', () => {
    for (const name of ['', '   ', '.', '..', '...', '/', '//', '\\', './..', ' . / ']) {
      expect(sanitizeName(name).ok).toBe(false);
    }
  });

  it('cuts long names to 255 bytes keeping the extension', () => {
    const result = sanitizeName(`${'я'.repeat(300)}.pdf`);
    expect(result.ok && new TextEncoder().encode(result.name).length).toBeLessThanOrEqual(255);
    expect(result.ok && result.name.endsWith('.pdf')).toBe(true);
  });

  it('numbers duplicates before the extension', () => {
    expect(numberedName('photo.jpg', 2)).toBe('photo (2).jpg');
    expect(numberedName('README', 3)).toBe('README (3)');
    const taken = new Set(['photo.jpg', 'photo (2).jpg']);
    expect(freeName('Photo.JPG', (k) => taken.has(k))).toBe('Photo (3).JPG');
    expect(freeName('photo.jpg', (k) => taken.has(k))).toBe('photo (3).jpg');
  });

  it('removes direction overrides and isolates, so the extension shown is the real one', () => {
    expect(sanitizeName('Счёт\u202Efdp.exe')).toEqual({ ok: true, name: 'Счётfdp.exe' });
    expect(sanitizeName('\u2067Отчёт\u2069.pdf\u202C')).toEqual({ ok: true, name: 'Отчёт.pdf' });
    for (const mark of ['\u200E', '\u200F', '\u061C', '\u202A', '\u202B', '\u202D', '\u2066', '\u2068']) {
      expect(sanitizeName(`doc${mark}.txt`), `U+${mark.codePointAt(0)!.toString(16)}`).toEqual({
        ok: true,
        name: 'doc.txt',
      });
    }
  });

  it('removes zero-width and other invisible format characters; a name of nothing else is empty', () => {
    expect(sanitizeName('\uFEFFсправка\u200B.pdf')).toEqual({ ok: true, name: 'справка.pdf' });
    expect(sanitizeName('a\u200Cb\u2060c\u00ADd\u{E0041}.txt')).toEqual({ ok: true, name: 'abcd.txt' });
    // An invisible character after the extension no longer hides it.
    expect(sanitizeName('scan.pdf\u200B')).toEqual({ ok: true, name: 'scan.pdf' });
    expect(sanitizeName('\u202E\u200B\uFEFF')).toEqual({ ok: false, reason: 'empty' });
  });

  it('keeps the joiner inside an emoji sequence and drops it anywhere else', () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    const coder = '\u{1F469}\u{1F3FD}\u200D\u{1F4BB}';
    const rainbow = '\u{1F3F3}\uFE0F\u200D\u{1F308}';
    expect(sanitizeName(`${family} ${coder} ${rainbow}.jpg`)).toEqual({
      ok: true,
      name: `${family} ${coder} ${rainbow}.jpg`,
    });
    expect(sanitizeName('пап\u200Dка')).toEqual({ ok: true, name: 'папка' });
    expect(sanitizeName('\u{1F468}\u200Dx')).toEqual({ ok: true, name: '\u{1F468}x' });
  });

  it('turns C1 controls and line separators into `_`, as C0 controls always were', () => {
    expect(sanitizeName('a\u0085b\u009Bc\u2028d\u2029e\u0007.txt')).toEqual({
      ok: true,
      name: 'a_b_c_d_e_.txt',
    });
  });

  it('stores names in NFC, so a name typed on macOS and on Windows is the same name', () => {
    expect(sanitizeName('И\u0306.txt')).toEqual({ ok: true, name: 'Й.txt' });
  });

  it('refuses a lone surrogate with its own code instead of turning it into U+FFFD', () => {
    for (const name of ['\uD800.pdf', 'отчёт\uDC00', 'a\uDBFF']) {
      expect(sanitizeName(name)).toEqual({ ok: false, reason: 'broken' });
    }
    expect(nameRefusal('broken')).toMatchObject({ code: 'FILE_NAME_BROKEN', status: 400 });
    expect(nameRefusal('dots').code).toBe('FILE_NAME_INVALID');
    expect(() => encodeUploadMetadata({ filename: 'x\uD800.pdf' })).toThrow(
      expect.objectContaining({ code: 'FILE_NAME_BROKEN' }),
    );
    // A well-formed pair is a character like any other.
    expect(sanitizeName('\u{1F4C4}.pdf')).toEqual({ ok: true, name: '\u{1F4C4}.pdf' });
  });

  it('gives any string a name with nothing hidden, no lone surrogate, at most 255 bytes, stable when applied again', () => {
    const pieces = fc.constantFrom(
      'a',
      'Я',
      '.',
      ' ',
      '/',
      '\\',
      '\u202E',
      '\u2066',
      '\u200B',
      '\u200D',
      '\uFEFF',
      '\u0085',
      '\u2028',
      '\uD800',
      '\uDC00',
      '\u{1F469}',
      '\u{1F3FD}',
      '\uFE0F',
      'е\u0308',
      'ё',
      '\u{E0067}',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ unit: 'binary' })), { maxLength: 200 }), (parts) => {
        const result = sanitizeName(parts.join(''));
        if (!result.ok) return;
        const withoutEmojiJoiners = result.name.replace(
          /(?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D(?=\p{Extended_Pictographic})/gu,
          '',
        );
        expect(hasHiddenCharacters(withoutEmojiJoiners)).toBe(false);
        expect(hasLoneSurrogate(result.name)).toBe(false);
        expect(new TextEncoder().encode(result.name).length).toBeLessThanOrEqual(255);
        expect(result.name).toBe(result.name.normalize('NFC'));
        expect(sanitizeName(result.name)).toEqual(result);
      }),
      { numRuns: 500, seed: fuzzSeed() },
    );
  });
});
