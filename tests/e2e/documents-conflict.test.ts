import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCore, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { seriousA11yViolations } from './a11y.js';
import { randomMobile, registerParent } from './flows.js';
import {
  type DesktopTarget,
  ensureRendererBuilt,
  launchChromium,
  newContext,
  openDesktopTarget,
  RENDERER_DIR,
  screenshot,
} from './harness.js';

/**
 * A document renamed on this device and, at the same time, on another device of the same
 * parent: the other rename reached the server first, so this one is refused and shown as a
 * notice with both names, «Применить моё» and «Оставить». The other device is a real core;
 * the desktop target's core is cut off the network while the person renames, the web
 * version has no live stream (its list stays as it was), so both really race.
 */

const NOTICE_RU = (theirs: string, mine: string) =>
  `Файл переименовали на другом устройстве: «${theirs}». Ваше название «${mine}» не применено.`;

function row(page: Page, name: string) {
  return page.locator(`[data-testid="document-row"][data-name="${name}"]`);
}

/** Renames through the screen: the row's pencil, the name field, Enter. */
async function renameInPage(page: Page, from: string, to: string): Promise<void> {
  await row(page, from)
    .getByRole('button', { name: `Переименовать: ${from}` })
    .click();
  await page.getByTestId('name-input').fill(to);
  await page.getByTestId('name-input').press('Enter');
}

function names(c: TestCore): string[] {
  return c.core.documents
    .list({ view: 'search', folderId: null, query: '', limit: 100 })
    .items.map((i) => i.name);
}

for (const kind of ['desktop', 'web'] as const) {
  describe(`a rename conflict on the documents screen (${kind})`, () => {
    const sources = makeTempDir(`sferum-e2e-conflict-${kind}-`);
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let desktop: DesktopTarget | null = null;
    let other: TestCore;
    const net = { up: true };

    beforeAll(async () => {
      ensureRendererBuilt();
      server = await startTestServer({ config: { webDir: RENDERER_DIR } });
      browser = await launchChromium();
      const mobile = randomMobile();
      if (kind === 'desktop') {
        const guarded: typeof fetch = (input, init) =>
          net.up ? fetch(input, init) : Promise.reject(new TypeError('fetch failed'));
        desktop = await openDesktopTarget(browser, { serverUrl: server.url, core: { fetch: guarded } });
        page = desktop.page;
        await signInAs(desktop.testCore.core, `+7${mobile}`);
      } else {
        const context = await newContext(browser);
        // No live stream: the page keeps the list it loaded, as if the news had not arrived yet.
        await context.route('**/api/sync/events', (route) => route.abort());
        page = await context.newPage();
        await page.goto(server.url);
        await registerParent(page, mobile, { surname: 'Зайцева', name: 'Ирина', patronymic: 'Олеговна' });
      }
      // The parent's other device puts a document in the cloud.
      other = await createTestCore({ serverUrl: server.url });
      await signInAs(other.core, `+7${mobile}`);
      const file = path.join(sources.path, 'Справка.pdf');
      fs.writeFileSync(file, Buffer.alloc(3000, 7));
      await other.core.documents.enqueuePaths([file], null);
      await other.core.documents.uploads.whenIdle();
      await desktop?.testCore.core.syncNow();
      await page.getByTestId('menu-documents').click();
      await row(page, 'Справка.pdf').waitFor();
    });

    afterAll(async () => {
      await other?.dispose();
      await desktop?.close();
      await desktop?.testCore.dispose();
      await browser?.close();
      await server?.close();
      sources.remove();
    });

    /** This device renames `from` to `mine` while the other device's `theirs` wins the race. */
    async function race(from: string, mine: string, theirs: string): Promise<void> {
      // The desktop renames offline first; the web page renames over the list it still shows.
      net.up = false;
      if (desktop) await renameInPage(page, from, mine);
      const otherDoc = other.core.documents.list({ view: 'search', folderId: null, query: '' }).items[0]!;
      other.core.documents.rename('document', otherDoc.id, theirs);
      await other.core.syncNow();
      expect(names(other)).toEqual([theirs]);
      if (!desktop) await renameInPage(page, from, mine);
      net.up = true;
      if (desktop) {
        await desktop.testCore.core.syncNow();
        await desktop.testCore.core.syncNow();
      }
      await page.getByTestId('rename-conflict').waitFor();
      if (!desktop) {
        // The news may come now: the notice stays until the person chooses.
        await page.context().unroute('**/api/sync/events');
        await page.locator('[data-testid="sync-indicator"][data-state="online"]').waitFor();
      }
    }

    it('shows both names; «Применить моё» renames it on every device', async () => {
      await race('Справка.pdf', 'Справка для бассейна.pdf', 'Справка для школы.pdf');
      const notice = page.getByTestId('rename-conflict');
      await expect
        .poll(() => notice.locator('p').textContent())
        .toBe(NOTICE_RU('Справка для школы.pdf', 'Справка для бассейна.pdf'));
      // The list shows the name that won; nothing was silently dropped.
      await row(page, 'Справка для школы.pdf').waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, `${kind}-documents-rename-conflict-ru-light`);
      if (desktop) {
        const { core } = desktop.testCore;
        for (const [language, theme] of [
          ['en', 'light'],
          ['en', 'dark'],
          ['ru', 'dark'],
        ] as const) {
          await core.updateSettings({ language, theme });
          await expect.poll(() => page.evaluate('document.documentElement.dataset.theme')).toBe(theme);
          await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe(language);
          if (language === 'en') {
            await expect
              .poll(() => notice.locator('p').textContent())
              .toBe(
                'The file was renamed on another device: “Справка для школы.pdf”. Your name “Справка для бассейна.pdf” was not applied.',
              );
          }
          // The theme's colour transitions end before colours are checked.
          await page.evaluate('Promise.all(document.getAnimations().map((a) => a.finished))');
          expect(await seriousA11yViolations(page), `${language} ${theme}`).toEqual([]);
          await screenshot(page, `${kind}-documents-rename-conflict-${language}-${theme}`);
        }
        await core.updateSettings({ language: 'ru', theme: 'light' });
        await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('ru');
      }

      await notice.getByRole('button', { name: 'Применить моё' }).click();
      await page.getByTestId('rename-conflict').waitFor({ state: 'detached' });
      await desktop?.testCore.core.syncNow();
      await row(page, 'Справка для бассейна.pdf').waitFor();
      await waitFor(async () => {
        await other.core.syncNow();
        return names(other)[0] === 'Справка для бассейна.pdf';
      });
    });

    it('«Оставить» keeps the other device’s name and dismisses the notice for good', async () => {
      if (!desktop) {
        // A fresh page without the live stream again.
        await page.context().route('**/api/sync/events', (route) => route.abort());
        await page.reload();
        await page.getByTestId('menu-documents').click();
        await row(page, 'Справка для бассейна.pdf').waitFor();
      }
      await race('Справка для бассейна.pdf', 'Моё название.pdf', 'Их название.pdf');
      await page.getByTestId('rename-conflict').getByRole('button', { name: 'Оставить' }).click();
      await page.getByTestId('rename-conflict').waitFor({ state: 'detached' });
      await row(page, 'Их название.pdf').waitFor();
      if (desktop) expect(desktop.testCore.core.documents.conflicts()).toEqual([]);
      // Gone after a reload too (the desktop keeps conflicts in its cache on disk).
      await page.reload();
      await page.getByTestId('menu-documents').click();
      await row(page, 'Их название.pdf').waitFor();
      expect(await page.getByTestId('rename-conflict').count()).toBe(0);
      await other.core.syncNow();
      expect(names(other)).toEqual(['Их название.pdf']);
    });
  });
}
