import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { ServerConfig } from '../../src/server/config.js';
import { type Proxy, startProxy } from '../helpers/proxy.js';
import { portOf, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { randomMobile, registerParent } from './flows.js';
import { ensureRendererBuilt, launchChromium, newContext, RENDERER_DIR } from './harness.js';

export interface WebLine {
  /** The server's data directory, and a folder for the files a test drops. */
  serverData: { path: string; remove(): void };
  sources: { path: string; remove(): void };
  server: TestServer;
  /** The parent's home connection: it can hold an upload still on its way. */
  line: Proxy;
  browser: Browser;
  page: Page;
}

/**
 * The web version served by a real server behind a line that holds the connection which
 * crosses `holdAfterBytes` (tests/helpers/proxy.ts), open in Chromium; set up before the
 * describe block this is called in and torn down after it.
 */
export function webBehindLine(
  name: string,
  options: { holdAfterBytes: number; config?: Partial<ServerConfig> },
): WebLine {
  const web = {
    serverData: makeTempDir(`sferum-e2e-${name}-`),
    sources: makeTempDir(`sferum-e2e-${name}-src-`),
  } as WebLine;
  beforeAll(async () => {
    ensureRendererBuilt();
    web.server = await startTestServer({
      dataDir: web.serverData.path,
      config: { webDir: RENDERER_DIR, ...options.config },
    });
    web.line = await startProxy(portOf(web.server.url), { holdAfterBytes: options.holdAfterBytes });
    web.browser = await launchChromium();
    web.page = await (await newContext(web.browser)).newPage();
  });
  afterAll(async () => {
    await web.browser?.close();
    await web.line?.close();
    await web.server?.close();
    web.serverData.remove();
    web.sources.remove();
  });
  return web;
}

/** A new parent signs up through the line and opens «Мои документы», ready to take a drop. */
export async function openDocumentsAsNewParent(web: WebLine): Promise<void> {
  await web.page.goto(web.line.url);
  await registerParent(web.page, randomMobile(), {
    surname: 'Зайцева',
    name: 'Ирина',
    patronymic: 'Олеговна',
  });
  await web.page.getByTestId('menu-documents').click();
  // Dropped once the screen that takes drops is there (a drag that ends before is gone).
  await web.page.getByText('В этой папке пока ничего нет').waitFor();
}
