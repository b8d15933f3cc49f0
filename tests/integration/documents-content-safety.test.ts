import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { DOCUMENT_ID_HEADER, encodeUploadMetadata } from '../../src/shared/documents/index.js';
import { SNIFF_BYTES } from '../../src/server/documents/contentType.js';
import { webContentSecurityPolicy } from '../../src/server/http/web.js';
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

async function upload(name: string, mime: string, body: string | Buffer): Promise<string> {
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
      expect(r.headers.get('content-type')).toBe(mime === 'text/plain' ? 'text/plain; charset=utf-8' : mime);
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
    const r = await open(await upload('readme.txt', 'Text/Plain; charset=koi8-r', 'hello'));
    // The charset is the server's own reading of the bytes, not what the client declared.
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });
});

/** Signed link of a document, without `inline`: what «Сохранить как» in the web version opens. */
async function signed(id: string): Promise<string> {
  const link = await fetch(`${ts.url}/api/documents/${id}/link`, {
    method: 'POST',
    headers: { authorization: `Bearer ${parent.tokens.accessToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return `${ts.url}${((await link.json()) as { url: string }).url}`;
}

describe('types that are not shown inline', () => {
  const SCRIPTS: [string, string][] = [
    ['gadget.js', 'text/javascript'],
    ['gadget.mjs', 'application/javascript'],
    ['gadget.js', 'application/x-javascript'],
    ['gadget.js', ''],
    ['page.html', 'text/html'],
    ['style.css', 'text/css'],
    ['data.json', 'application/json'],
    ['table.csv', 'text/csv'],
    ['module.wasm', 'application/wasm'],
    ['picture.svg', 'image/svg+xml'],
    ['feed.xml', 'application/xml'],
    ['notes.md', 'text/markdown'],
    ['worker.js', 'text/ecmascript'],
    ['archive.zip', 'application/zip'],
  ];

  it.each(SCRIPTS)(
    '%s (declared %j) goes out as an application/octet-stream attachment, nosniff, every way it is read',
    async (name, mime) => {
      const id = await upload(name, mime, 'window.__ran = true;');
      const link = await signed(id);
      const answers = [
        await fetch(link),
        await fetch(`${link}&inline=1`),
        await fetch(`${link}&inline=1`, { headers: { range: 'bytes=0-5' } }),
        await fetch(link, { method: 'HEAD' }),
        await fetch(`${ts.url}/api/documents/${id}/content`, {
          headers: { authorization: `Bearer ${parent.tokens.accessToken}` },
        }),
      ];
      for (const r of answers) {
        expect(r.status).toBeLessThan(300);
        expect(r.headers.get('content-type')).toBe('application/octet-stream');
        expect(r.headers.get('content-disposition')).toMatch(/^attachment;/);
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
        expect(r.headers.get('content-security-policy')).toMatch(/^sandbox;/);
      }
    },
  );

  it('the signed link of a document is outside every path the web version runs scripts from', async () => {
    const link = new URL(await signed(await upload('gadget.js', 'text/javascript', '1')));
    const policy = webContentSecurityPolicy(link.host, ts.url);
    const scripts = /script-src ([^;]*)/.exec(policy)![1]!.split(' ');
    expect(scripts).not.toContain("'self'");
    for (const source of scripts) expect(`${link.host}${link.pathname}`.startsWith(source)).toBe(false);
  });
});

describe("the web version's policy for scripts", () => {
  const scriptSrc = (policy: string) => /script-src ([^;]*)/.exec(policy)![1]!;

  it('names only the assets folder, on the address the browser asked for and on the public URL', () => {
    expect(scriptSrc(webContentSecurityPolicy('127.0.0.1:4321', 'http://127.0.0.1:4321'))).toBe(
      '127.0.0.1:4321/assets/',
    );
    expect(scriptSrc(webContentSecurityPolicy('Family.School.ru', 'https://family.school.ru'))).toBe(
      'family.school.ru/assets/',
    );
    // Behind a proxy that passes its own Host, the public URL still names the page's address.
    expect(scriptSrc(webContentSecurityPolicy('127.0.0.1:8080', 'https://family.school.ru'))).toBe(
      '127.0.0.1:8080/assets/ family.school.ru/assets/',
    );
  });

  it('a Host that is no host cannot add a directive; one a source cannot name (IPv6) falls back to the origin', () => {
    for (const host of ["evil; script-src 'unsafe-inline'", 'a b', 'x.ru/assets/ *', '', undefined]) {
      const policy = webContentSecurityPolicy(host, 'http://127.0.0.1:1');
      expect(scriptSrc(policy)).toBe("'self'");
      expect(policy).not.toContain('unsafe-inline;');
      expect(policy.match(/script-src/g)).toHaveLength(1);
    }
    expect(scriptSrc(webContentSecurityPolicy('[::1]:4321', 'http://[::1]:4321'))).toBe("'self'");
  });

  it('the built page, its assets and the pages that fall back to it carry it; the API keeps its own', async () => {
    const webDir = path.join(ts.dataDir, 'web-csp');
    fs.mkdirSync(path.join(webDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(webDir, 'assets', 'app.js'), 'console.log(1)');
    const web = await startTestServer({ config: { webDir, demo: false } });
    try {
      const host = new URL(web.url).host;
      for (const address of ['/', '/assets/app.js', '/invite/abc?x=1', '/settings']) {
        const r = await fetch(`${web.url}${address}`, { headers: { accept: 'text/html' } });
        expect(r.status, address).toBe(200);
        const policy = r.headers.get('content-security-policy')!;
        expect(scriptSrc(policy), address).toBe(`${host}/assets/`);
        expect(policy).toContain("default-src 'self'");
        expect(policy).toContain("object-src 'none'");
        expect(policy).toContain("frame-ancestors 'none'");
      }
    } finally {
      await web.close();
    }
  });
});

/** windows-1251 bytes of a text (TextEncoder knows only UTF-8; Node's TextDecoder knows 1251). */
function windows1251(text: string): Buffer {
  const decoder = new TextDecoder('windows-1251');
  const table = new Map<string, number>();
  for (let b = 0x80; b <= 0xff; b++) table.set(decoder.decode(Uint8Array.of(b)), b);
  return Buffer.from(Array.from(text, (c) => (c.charCodeAt(0) < 0x80 ? c.charCodeAt(0) : table.get(c)!)));
}

const RUSSIAN =
  'Справка о составе семьи.\r\nВыдана Ивановой Ольге Петровне — «для предъявления по месту требования», № 5. Ёлкино.\r\n';

describe('text is served with its charset', () => {
  const typeOf = async (name: string, body: Buffer, mime = 'text/plain') => {
    const r = await open(await upload(name, mime, body));
    expect(r.status).toBe(200);
    return { type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), r };
  };

  it('UTF-8, with or without a byte order mark, is charset=utf-8', async () => {
    expect((await typeOf('utf8.txt', Buffer.from(RUSSIAN))).type).toBe('text/plain; charset=utf-8');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(RUSSIAN)]);
    expect((await typeOf('bom.txt', bom)).type).toBe('text/plain; charset=utf-8');
    expect((await typeOf('ascii.txt', Buffer.from('plain ASCII\n'))).type).toBe('text/plain; charset=utf-8');
  });

  it('a file written on Russian Windows (windows-1251) is charset=windows-1251, and reads back as the text', async () => {
    const bytes = windows1251(RUSSIAN);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const { type, disposition, r } = await typeOf('cp1251.txt', bytes);
    expect(type).toBe('text/plain; charset=windows-1251');
    expect(disposition).toMatch(/^inline;/);
    expect(new TextDecoder('windows-1251').decode(await r.arrayBuffer())).toBe(RUSSIAN);
    // Every part of it says the same (a viewer that reads it in ranges).
    const part = await fetch(r.url, { headers: { range: 'bytes=10-20' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-type')).toBe('text/plain; charset=windows-1251');
  });

  it('UTF-16 with its byte order mark is served as such', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(RUSSIAN, 'utf16le')]);
    expect((await typeOf('utf16.txt', le)).type).toBe('text/plain; charset=utf-16le');
  });

  it('a character cut in two at the end of the bytes read first is still UTF-8', async () => {
    // "Ж" is two bytes in UTF-8 and "😀" four: the sniffed bytes end inside one of each.
    for (const [filler, tail] of [
      ['a', 'Ж'],
      ['a', '😀'],
      ['aa', '😀'],
      ['aaa', '😀'],
    ] as const) {
      const head = 'Справка '.repeat(1);
      const pad = SNIFF_BYTES - Buffer.byteLength(head) - filler.length - 1;
      const body = Buffer.from(head + 'x'.repeat(pad) + filler + tail + ' конец');
      expect(body.length).toBeGreaterThan(SNIFF_BYTES);
      expect((await typeOf(`cut-${tail}-${filler.length}.txt`, body)).type).toBe('text/plain; charset=utf-8');
    }
    // The same cut sequence as the very end of a whole file is no UTF-8.
    const broken = Buffer.concat([Buffer.from('Справка'), Buffer.from('😀').subarray(0, 2)]);
    expect((await typeOf('broken.txt', broken)).type).not.toBe('text/plain; charset=utf-8');
  });

  it('text in neither, and bytes that are no text, download instead of showing mojibake', async () => {
    const latin1 = Buffer.from(
      'Le cœur a ses raisons que la raison ne connaît point. Café, déjà vu.\n',
      'latin1',
    );
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xc0, 0xff, 0x00]);
    for (const [name, body] of [
      ['latin1.txt', latin1],
      ['binary.txt', binary],
    ] as const) {
      const { type, disposition } = await typeOf(name, body);
      expect(type, name).toBe('application/octet-stream');
      expect(disposition, name).toMatch(/^attachment;/);
    }
  });
});
