import { CONTENT_SECURITY_POLICY } from '../http/headers.js';

/**
 * How a document's bytes leave the server. The bytes are the person's own file, served
 * from the platform's origin: a file a browser would run (HTML, SVG, XML...) must never
 * render as a page of this origin, where its scripts could reach the signed-in person's
 * session. Only types a browser shows without running anything of the file's open
 * inline; everything else is an attachment under a sandboxing policy.
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

export function servedAs(
  mime: string,
  wantInline: boolean,
): { type: string; inline: boolean; contentSecurityPolicy: string } {
  const type = cleanMime(mime) ?? 'application/octet-stream';
  const safe = INLINE_SAFE.has(type);
  return {
    type,
    inline: wantInline && safe,
    // The browser's PDF viewer is an embedded one, which a sandbox or default-src 'none' would block.
    contentSecurityPolicy: type === 'application/pdf' ? CONTENT_SECURITY_POLICY : DOCUMENT_CSP,
  };
}
