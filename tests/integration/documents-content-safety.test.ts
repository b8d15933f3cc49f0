import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { DOCUMENT_ID_HEADER, encodeUploadMetadata } from '../../src/shared/documents.js';
import { signInByPhone } from '../../src/server/testing.js';
import { freshPhone } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * A document is served from the platform's own origin. A file a browser would run (an
 * HTML page, an SVG with a script) must not open as a page of that origin, where it
 * could use the signed-in person's session; and whatever type a client declared, the
 * file can always be downloaded.
 */

let ts: TestServer;
let parent: SignedIn;

beforeAll(async () => {
  ts = await startTestServer({ config: { demo: false } });
  parent = await signInByPhone(ts, freshPhone('939'));
});
afterAll(async () => {
  await ts?.close();
});

async function upload(name: string, mime: string, body: string): Promise<string> {
  const data = Buffer.from(body);
  const auth = { authorization: `Bearer ${parent.tokens.accessToken}`, 'tus-resumable': '1.0.0' };
  const created = await fetch(`${ts.url}/api/uploads`, {
    method: 'POST',
    headers: {
      ...auth,
      'upload-length': String(data.length),
      'upload-metadata': encodeUploadMetadata({
        filename: name,
        mime,
        sha256: createHash('sha256').update(data).digest('hex'),
      }),
    },
  });
  expect(created.status).toBe(201);
  const done = await fetch(new URL(created.headers.get('location')!, ts.url), {
    method: 'PATCH',
    headers: { ...auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
    body: new Uint8Array(data),
  });
  expect(done.status).toBe(204);
  return done.headers.get(DOCUMENT_ID_HEADER)!;
}

/** Opens the document the way the web version's «Открыть» does: its signed link, inline. */
async function open(id: string): Promise<Response> {
  const link = await fetch(`${ts.url}/api/documents/${id}/link`, {
    method: 'POST',
    headers: { authorization: `Bearer ${parent.tokens.accessToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const { url } = (await link.json()) as { url: string };
  return fetch(`${ts.url}${url}&inline=1`);
}

describe('document content', () => {
  it.each([
    ['page.html', 'text/html', '<script>fetch("/api/auth/refresh")</script>'],
    [
      'picture.svg',
      'image/svg+xml',
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    ],
    [
      'feed.xml',
      'application/xhtml+xml',
      '<html xmlns="http://www.w3.org/1999/xhtml"><script>1</script></html>',
    ],
  ])('%s (%s) never opens as a page of the site: an attachment in a sandbox', async (name, mime, body) => {
    const r = await open(await upload(name, mime, body));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(r.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none'/);
    expect(await r.text()).toBe(body);
  });

  it('images, text and PDF still open in the browser', async () => {
    for (const [name, mime] of [
      ['photo.png', 'image/png'],
      ['note.txt', 'text/plain'],
      ['scan.pdf', 'application/pdf'],
    ] as const) {
      const r = await open(await upload(name, mime, `bytes of ${name}`));
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(mime);
      expect(r.headers.get('content-disposition')).toMatch(/^inline;/);
      // No script of the site runs in them either; the PDF viewer needs the site's own policy.
      if (mime !== 'application/pdf') expect(r.headers.get('content-security-policy')).toContain('sandbox');
      else expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
  });

  it('a declared type that is no media type is replaced, so the file still downloads (was a 500)', async () => {
    const id = await upload('справка.bin', 'тип/файл\r\nx-evil: 1', 'содержимое');
    const r = await fetch(`${ts.url}/api/documents/${id}/content`, {
      headers: { authorization: `Bearer ${parent.tokens.accessToken}` },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect(r.headers.get('x-evil')).toBeNull();
    expect(await r.text()).toBe('содержимое');
  });

  it('a type with parameters keeps the type', async () => {
    const r = await open(await upload('readme.txt', 'Text/Plain; charset=utf-8', 'hello'));
    expect(r.headers.get('content-type')).toBe('text/plain');
  });
});
