import { describe, expect, it } from 'vitest';
import { servedAs, sniffCharset } from '../../src/server/documents/contentType.js';

/** How the server tells a text's charset from its first bytes (contentType.ts). */

/** windows-1251 bytes of a text (TextEncoder knows only UTF-8; Node's TextDecoder knows 1251). */
function windows1251(text: string): Buffer {
  const decoder = new TextDecoder('windows-1251');
  const table = new Map<string, number>();
  for (let b = 0x80; b <= 0xff; b++) table.set(decoder.decode(Uint8Array.of(b)), b);
  return Buffer.from(Array.from(text, (c) => (c.charCodeAt(0) < 0x80 ? c.charCodeAt(0) : table.get(c)!)));
}

describe('sniffCharset', () => {
  it('a byte order mark says it', () => {
    expect(sniffCharset(Buffer.from([0xef, 0xbb, 0xbf, 0x41]), true)).toBe('utf-8');
    expect(sniffCharset(Buffer.from([0xff, 0xfe, 0x41, 0x00]), true)).toBe('utf-16le');
    expect(sniffCharset(Buffer.from([0xfe, 0xff, 0x00, 0x41]), true)).toBe('utf-16be');
  });

  it('UTF-8 cut anywhere inside a character at the end of the bytes read is UTF-8 when there is more', () => {
    for (const c of ['Ж', '€', '😀']) {
      const bytes = Buffer.from(`Справка ${c}`);
      const width = Buffer.byteLength(c);
      for (let cut = 1; cut < width; cut++) {
        const head = bytes.subarray(0, bytes.length - width + cut);
        expect(sniffCharset(head, false), `${c} cut after ${cut}`).toBe('utf-8');
        // The whole file ending there is broken UTF-8 (and no windows-1251 either).
        expect(sniffCharset(head, true), `${c} ending after ${cut}`).toBeNull();
      }
    }
  });

  it('a broken sequence before the end is no UTF-8', () => {
    expect(
      sniffCharset(Buffer.concat([Buffer.from('abc'), Buffer.from([0xc3]), Buffer.from('def')]), false),
    ).toBeNull();
    // An overlong "/" and a surrogate written as UTF-8.
    expect(sniffCharset(Buffer.from([0x61, 0xc0, 0xaf, 0x62]), false)).toBeNull();
    expect(sniffCharset(Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x62]), false)).toBeNull();
  });

  it('Russian text from Windows is windows-1251; Western 8-bit text, binary and UTF-16 without a mark are none', () => {
    expect(sniffCharset(windows1251('Справка о составе семьи, № 5 — «Ёлкино».\r\n'), true)).toBe(
      'windows-1251',
    );
    expect(sniffCharset(windows1251('СПРАВКА'), true)).toBe('windows-1251');
    // Mostly Latin with a Russian word or two is still windows-1251 when that is what its high bytes are.
    expect(sniffCharset(windows1251('Invoice #5 for ООО «Ромашка», total 100 USD'), true)).toBe(
      'windows-1251',
    );
    expect(sniffCharset(Buffer.from('Café déjà vu, naïve façade, crème brûlée.', 'latin1'), true)).toBeNull();
    expect(sniffCharset(Buffer.from('Справка', 'utf16le'), true)).toBeNull();
    expect(
      sniffCharset(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xc0, 0xe0]), true),
    ).toBeNull();
  });
});

describe('servedAs', () => {
  const text = (s: string) => ({ bytes: Buffer.from(s), whole: true });

  it('only types shown inline keep their type; a text gets its charset', () => {
    expect(servedAs('text/javascript', true).type).toBe('application/octet-stream');
    expect(servedAs('text/html', true)).toMatchObject({ type: 'application/octet-stream', inline: false });
    expect(servedAs('image/png', true)).toMatchObject({ type: 'image/png', inline: true });
    expect(servedAs('text/plain', true, text('Справка'))).toMatchObject({
      type: 'text/plain; charset=utf-8',
      inline: true,
    });
    expect(servedAs('text/plain', true, { bytes: Buffer.from([0x00, 0x01]), whole: true })).toMatchObject({
      type: 'application/octet-stream',
      inline: false,
    });
  });
});
