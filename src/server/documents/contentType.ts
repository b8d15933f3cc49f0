import { CONTENT_SECURITY_POLICY } from '../http/headers.js';

/**
 * How a document's bytes leave the server. The bytes are the person's own file, served
 * from the platform's origin: a file a browser would run (HTML, SVG, XML...) must never
 * render as a page of this origin, where its scripts could reach the signed-in person's
 * session, nor be a script or a style sheet that such a page loads. Only types a browser
 * shows without running anything of the file's open inline; everything else is an
 * application/octet-stream attachment under a sandboxing policy.
 */

/** `type/subtype`, lower case, without parameters: what a Content-Type header can carry. */
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** Types that display without executing anything of the file's. */
const INLINE_SAFE = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'video/mp4',
  'video/quicktime',
  'audio/mpeg',
]);

/**
 * A document opened directly is a unique opaque origin with no scripts: even a file the
 * browser chose to render cannot act as the web version.
 */
export const DOCUMENT_CSP = [
  'sandbox',
  "default-src 'none'",
  "img-src 'self' data:",
  "media-src 'self'",
  "style-src 'unsafe-inline'",
  "frame-ancestors 'none'",
].join('; ');

/** The media type a client declared, if it is one; null for anything else. */
export function cleanMime(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const type = (raw.split(';')[0] ?? '').trim().toLowerCase();
  return MIME.test(type) ? type : null;
}

/** Bytes read from the start of a text document to tell how its text is encoded. */
export const SNIFF_BYTES = 64 * 1024;

/** The charsets a text document is served with (browsers know every one of them). */
export type TextCharset = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1251';

/** True for a type that is shown inline as text, so its charset is told from its bytes (`sniffCharset`). */
export function isSniffedText(mime: string): boolean {
  const type = cleanMime(mime);
  return type !== null && type.startsWith('text/') && INLINE_SAFE.has(type);
}

/**
 * The encoding of a text from its first bytes (`head`; `whole` when that is the whole
 * file): a byte order mark says it; bytes that are UTF-8 are UTF-8 (a character cut at
 * the end of `head` when there is more is no reason to doubt it); otherwise bytes that
 * read as Russian in windows-1251, the encoding of many files written on Russian Windows.
 * Null for anything else (control characters, another 8-bit encoding): such a file is not
 * shown as text at all, rather than as mojibake.
 */
export function sniffCharset(head: Uint8Array, whole: boolean): TextCharset | null {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (head.some(isBinaryByte)) return null;
  try {
    // With stream, a sequence the end of `head` cut in two waits for bytes that are not read.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !whole });
    return 'utf-8';
  } catch {
    // Not UTF-8: perhaps windows-1251.
  }
  return looksLikeWindows1251(head) ? 'windows-1251' : null;
}

/**
 * A control character no text has: any below 0x20 but tab, line feed, vertical tab, form
 * feed, carriage return, DOS's end of file (0x1A) and escape (colours in a log), and DEL.
 * (UTF-16 without a byte order mark has them too: its Latin letters come with 0x00, its
 * Cyrillic ones with 0x04.)
 */
function isBinaryByte(b: number): boolean {
  return (b < 0x20 && !(b >= 0x09 && b <= 0x0d) && b !== 0x1a && b !== 0x1b) || b === 0x7f;
}

/**
 * Russian text in windows-1251: its letters are the bytes 0xC0-0xFF (and Ё, ё: 0xA8,
 * 0xB8), and they are most of the text's letters and most of its bytes above 0x7F (the
 * rest are punctuation such as «» — № …). Western text in windows-1252 or latin-1 has its
 * accented letters there too, but few of them among its Latin letters; a byte 1251 does
 * not define (0x98) means it is no such text at all.
 */
function looksLikeWindows1251(bytes: Uint8Array): boolean {
  let high = 0;
  let cyrillic = 0;
  let latin = 0;
  for (const b of bytes) {
    if (b >= 0x80) {
      if (b === 0x98) return false;
      high += 1;
      if (b >= 0xc0 || b === 0xa8 || b === 0xb8) cyrillic += 1;
    } else if ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) {
      latin += 1;
    }
  }
  return cyrillic > 0 && cyrillic >= high * 0.7 && cyrillic >= (cyrillic + latin) * 0.3;
}

/**
 * How a document goes out: only a type shown inline keeps its type (a text with the
 * charset `sniffCharset` told from `head`); every other type is application/octet-stream,
 * so whatever a client declared (text/javascript, text/html, image/svg+xml...) the bytes
 * are never a script, a style sheet or a page to a browser (X-Content-Type-Options:
 * nosniff keeps it from guessing), even where a page of this origin refers to them.
 */
export function servedAs(
  mime: string,
  wantInline: boolean,
  head?: { bytes: Uint8Array; whole: boolean },
): { type: string; inline: boolean; contentSecurityPolicy: string } {
  const declared = cleanMime(mime) ?? 'application/octet-stream';
  let type = INLINE_SAFE.has(declared) ? declared : 'application/octet-stream';
  if (isSniffedText(type)) {
    const charset = head ? sniffCharset(head.bytes, head.whole) : null;
    type = charset ? `${type}; charset=${charset}` : 'application/octet-stream';
  }
  return {
    type,
    inline: wantInline && type !== 'application/octet-stream',
    // The browser's PDF viewer is an embedded one, which a sandbox or default-src 'none' would block.
    contentSecurityPolicy: type === 'application/pdf' ? CONTENT_SECURITY_POLICY : DOCUMENT_CSP,
  };
}
