import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import { DOCUMENT_ID_HEADER, encodeUploadMetadata } from '../../src/shared/documents/index.js';
import { signInByPhone } from '../../src/server/testing.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TUS } from '../helpers/tus.js';
import { randomMobile, registerParent } from './flows.js';
import { ensureRendererBuilt, launchChromium, newContext, RENDERER_DIR, screenshot } from './harness.js';

/**
 * What a document is to a browser when the web version hands out its signed link: never a
 * script of the site's own origin (finding 5), and a text shown in its own charset
 * (finding 10). Real Chromium, the real renderer build served by the real server.
 */

const GADGET = 'window.__ran = (window.__ran || 0) + 1; document.title = "RAN";';
const RUSSIAN = 'Справка о составе семьи\nВыдана Ивановой Ольге Петровне — «по месту требования», № 5.\n';

/** windows-1251 bytes of a text (TextEncoder knows only UTF-8; Node's TextDecoder knows 1251). */
function windows1251(text: string): Buffer {
  const decoder = new TextDecoder('windows-1251');
  const table = new Map<string, number>();
  for (let b = 0x80; b <= 0xff; b++) table.set(decoder.decode(Uint8Array.of(b)), b);
  return Buffer.from(Array.from(text, (c) => (c.charCodeAt(0) < 0x80 ? c.charCodeAt(0) : table.get(c)!)));
}

describe('web version: what a document is to the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const mobile = randomMobile();
  let parent: SignedIn;

  beforeAll(async () => {
    ensureRendererBuilt();
    server = await startTestServer({ config: { webDir: RENDERER_DIR } });
    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A document of the parent, sent over tus in one PATCH; its id. */
  async function upload(name: string, mime: string, data: Buffer): Promise<string> {
    const auth = { authorization: `Bearer ${parent.tokens.accessToken}`, ...TUS };
    const created = await fetch(`${server.url}/api/uploads`, {
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
    const done = await fetch(new URL(created.headers.get('location')!, server.url), {
      method: 'PATCH',
      headers: { ...auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: new Uint8Array(data),
    });
    expect(done.status).toBe(204);
    return done.headers.get(DOCUMENT_ID_HEADER)!;
  }

  async function signedLink(id: string): Promise<string> {
    const r = await fetch(`${server.url}/api/documents/${id}/link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${parent.tokens.accessToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    return `${server.url}${((await r.json()) as { url: string }).url}`;
  }

  it('the parent signs up in the web version (the app runs under its policy, lazy screens too)', async () => {
    await page.goto(server.url);
    await registerParent(page, mobile, { surname: 'Кузнецова', name: 'Анна', patronymic: 'Сергеевна' });
    await page.getByTestId('menu-documents').click();
    await page.getByRole('heading', { level: 1, name: 'Мои документы' }).waitFor();
    // The same parent, from the test's side: its documents arrive at the page live.
    parent = await signInByPhone(server, `+7${mobile}`);
  });

  it('a .js document in a <script src> injected into the page does not run; the app does', async () => {
    const link = await signedLink(await upload('gadget.js', 'text/javascript', Buffer.from(GADGET)));
    const injected = `<script src="${link}"></script><script src="${link}&inline=1"></script>`;
    const gadgetPage = await context.newPage();
    const violations: string[] = [];
    gadgetPage.on('console', (m) => {
      if (/Content Security Policy/.test(m.text())) violations.push(m.text());
    });
    await gadgetPage.addInitScript(() => {
      const seen: string[] = [];
      Object.defineProperty(window, '__blocked', { value: seen });
      document.addEventListener('securitypolicyviolation', (e) =>
        seen.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    // Some HTML injection in the page the server sends: the tag lands in its <head>, under
    // the server's own headers.
    await gadgetPage.route(`${server.url}/`, async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace('<head>', `<head>${injected}`);
      expect(html).toContain(injected);
      await route.fulfill({ response, body: html });
    });
    await gadgetPage.goto(`${server.url}/`);
    // The app itself runs (signed in from the page before: it shows the family).
    await gadgetPage.getByTestId('profile-name').waitFor();
    await gadgetPage.getByTestId('menu-documents').click();
    await gadgetPage.getByRole('heading', { level: 1, name: 'Мои документы' }).waitFor();
    await screenshot(gadgetPage, 'web-documents-script-gadget-blocked');
    expect(await gadgetPage.evaluate(() => (window as unknown as { __ran?: number }).__ran)).toBeUndefined();
    expect(await gadgetPage.title()).not.toBe('RAN');
    const blocked = await gadgetPage.evaluate(() => (window as unknown as { __blocked: string[] }).__blocked);
    expect(blocked.filter((b) => b.includes('/api/documents/'))).toHaveLength(2);
    // Nothing of the app's own was refused (a library's probe for eval is, as under 'self').
    expect(blocked.filter((b) => !b.includes('/api/documents/') && b !== 'script-src eval')).toEqual([]);
    expect(violations.length).toBeGreaterThan(0);
    await gadgetPage.close();
  });

  it('the signed link is no script to any page either: it goes out as application/octet-stream, nosniff', async () => {
    const link = await signedLink(await upload('other.js', 'application/javascript', Buffer.from(GADGET)));
    const other = await context.newPage();
    const refused: string[] = [];
    other.on('console', (m) => refused.push(m.text()));
    // A page with no policy of its own (about:blank), where any script it names would run.
    await other.setContent(
      `<script src="data:text/javascript,window.__control=1"></script><script src="${link}"></script>`,
      { waitUntil: 'load' },
    );
    expect(await other.evaluate(() => (window as unknown as { __control?: number }).__control)).toBe(1);
    expect(await other.evaluate(() => (window as unknown as { __ran?: number }).__ran)).toBeUndefined();
    expect(refused.join('\n')).toMatch(/MIME type \('application\/octet-stream'\) is not executable/);
    await other.close();
  });

  it('a Russian .txt opened from «Мои документы» reads as Russian, in UTF-8 and in windows-1251', async () => {
    await upload('Справка UTF-8.txt', 'text/plain', Buffer.from(RUSSIAN));
    await upload('Справка 1251.txt', 'text/plain', windows1251(RUSSIAN));
    for (const name of ['Справка UTF-8.txt', 'Справка 1251.txt']) {
      const row = page.locator(`[data-testid="document-row"][data-name="${name}"]`);
      await row.waitFor({ timeout: 20_000 });
      const popup = context.waitForEvent('page');
      await row.hover();
      await page.getByRole('button', { name: `Открыть: ${name}` }).click();
      const opened = await popup;
      await opened.waitForURL(/\/api\/documents\/.+\/content/);
      await opened.waitForLoadState();
      const text = await opened.locator('body').innerText();
      expect(text, name).toContain('Справка о составе семьи');
      expect(text, name).toContain('«по месту требования», № 5.');
      expect(text, name).not.toMatch(/Ð|Ñ|Ã|Ï|�/);
      await screenshot(opened, `web-documents-open-${name.includes('1251') ? 'cp1251' : 'utf8'}-txt`);
      await opened.close();
    }
  });
});
