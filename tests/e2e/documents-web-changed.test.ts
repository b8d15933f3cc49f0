import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portOf, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { type Proxy, startProxy } from '../helpers/proxy.js';
import { randomMobile, registerParent } from './flows.js';
import { ensureRendererBuilt, launchChromium, newContext, RENDERER_DIR, screenshot } from './harness.js';

const MB = 1024 * 1024;

/**
 * The web version and a file that changes on disk while it uploads. The browser can no
 * longer read a file that changed after it was chosen, and the request fails without an
 * answer, like a network cut: the page must say what happened instead of waiting for a
 * network that is fine, let go of what reached the server, and leave the rest of the queue
 * alone. The file is larger than what the sockets on the way can hold, and the line holds
 * still after 2 MiB until the file has changed, so the change always lands mid-upload.
 */
describe('documents (web): a file that changes while it uploads', () => {
  const serverData = makeTempDir('sferum-e2e-changed-');
  const sources = makeTempDir('sferum-e2e-changed-src-');
  let server: TestServer;
  let line: Proxy;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ensureRendererBuilt();
    server = await startTestServer({ dataDir: serverData.path, config: { webDir: RENDERER_DIR } });
    line = await startProxy(portOf(server.url), { holdAfterBytes: 2 * MB });
    browser = await launchChromium();
    page = await (await newContext(browser)).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await line?.close();
    await server?.close();
    serverData.remove();
    sources.remove();
  });

  it('reports the change, stores nothing of it, and the other file uploads', async () => {
    await page.goto(line.url);
    await registerParent(page, randomMobile(), { surname: 'Зайцева', name: 'Ирина', patronymic: 'Олеговна' });
    await page.getByTestId('menu-documents').click();
    const video = path.join(sources.path, 'Репетиция.mp4');
    const note = path.join(sources.path, 'Записка.txt');
    fs.writeFileSync(video, Buffer.alloc(40 * MB, 7));
    fs.writeFileSync(note, 'Прошу отпустить с уроков в пятницу.');
    await page.getByTestId('file-input').setInputFiles([video, note]);
    await line.held;
    fs.appendFileSync(video, 'a few more seconds');
    line.release();

    const item = (name: string) => page.locator('[data-testid="upload-item"]', { hasText: name });
    await item('Репетиция.mp4').getByText('Файл изменился во время загрузки').waitFor({ timeout: 30_000 });
    expect(await item('Репетиция.mp4').getAttribute('data-state')).toBe('failed');
    // Not mistaken for a lost connection.
    expect(await page.getByText('Нет связи с сервером').count()).toBe(0);
    await expect.poll(() => item('Записка.txt').getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    await page.locator('[data-testid="document-row"][data-name="Записка.txt"]').waitFor();
    await screenshot(page, 'web-documents-file-changed');
    expect(await page.locator('[data-testid="document-row"][data-name="Репетиция.mp4"]').count()).toBe(0);
    // What reached the server of the old file is gone (it held the parent's quota).
    const uploads = path.join(serverData.path, 'uploads');
    const sizes = () => fs.readdirSync(uploads).map((f) => fs.statSync(path.join(uploads, f)).size);
    await expect.poll(() => Math.max(0, ...sizes()), { timeout: 10_000 }).toBeLessThan(MB);
  });
});
