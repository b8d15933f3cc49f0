import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, JSHandle, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCore, signInAs, waitFor } from '../helpers/core.js';
import { portOf, startTestServer, type TestServer } from '../helpers/server.js';
import { png } from '../helpers/png.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { seriousA11yViolations } from './a11y.js';
import { type Proxy, startProxy } from '../helpers/proxy.js';
import { osDrop } from './drop.js';
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

const KB = 1024;
const QUOTA = 4 * 1024 * KB;

/** Deterministic bytes, the same in Node and in the page. */
function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * seed + (i >> 8)) & 255;
  return out;
}
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const FILES = [
  { name: 'Справка.pdf', size: 1200 * KB, seed: 7 },
  { name: 'Фото.jpg', size: 180 * KB, seed: 11 },
];
const FOLDER = {
  name: 'Концерт',
  files: [
    { rel: 'программа.txt', size: 40 * KB, seed: 13 },
    { rel: 'Видео/клип.mp4', size: 300 * KB, seed: 17 },
  ],
};

/** Writes the files a person would drop: two files and a folder with a subfolder. */
function writeSources(dir: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const f of FILES) {
    const p = path.join(dir, f.name);
    fs.writeFileSync(p, bytes(f.size, f.seed));
    map[f.name] = p;
  }
  for (const f of FOLDER.files) {
    const p = path.join(dir, FOLDER.name, f.rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, bytes(f.size, f.seed));
  }
  map[FOLDER.name] = path.join(dir, FOLDER.name);
  return map;
}

/** A real DataTransfer built in the page, with File objects of the given names and sizes. */
async function dataTransfer(
  page: Page,
  files: { name: string; size: number; seed: number }[],
): Promise<JSHandle> {
  return page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const data = new Uint8Array(f.size);
      for (let i = 0; i < f.size; i++) data[i] = (i * f.seed + (i >> 8)) & 255;
      dt.items.add(new File([data], f.name));
    }
    dt.items.add('not a file, just text', 'text/plain');
    return dt;
  }, files);
}

/** Drags over the window (the overlay shows) and drops. */
async function drop(page: Page, dt: JSHandle, shot?: string): Promise<void> {
  await page.dispatchEvent('main', 'dragenter', { dataTransfer: dt });
  await page.dispatchEvent('main', 'dragover', { dataTransfer: dt });
  await page.getByTestId('drop-overlay').waitFor();
  if (shot) await screenshot(page, shot);
  await page.dispatchEvent('main', 'drop', { dataTransfer: dt });
  await page.getByTestId('drop-overlay').waitFor({ state: 'detached' });
}

function row(page: Page, name: string) {
  return page.locator(`[data-testid="document-row"][data-name="${name}"]`);
}

async function uploadStates(page: Page): Promise<string[]> {
  return page
    .getByTestId('upload-item')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-state') ?? ''));
}

interface Target {
  page: Page;
  context: BrowserContext;
  /** The web version answers a drop from the File objects; the desktop from paths. */
  kind: 'web' | 'desktop';
  opened: string[];
  close(): Promise<void>;
}

for (const kind of ['desktop', 'web'] as const) {
  describe(`documents (${kind})`, () => {
    const serverData = makeTempDir(`sferum-e2e-docs-${kind}-`);
    const sources = makeTempDir(`sferum-e2e-src-${kind}-`);
    let server: TestServer;
    let port: number;
    let proxy: Proxy;
    let browser: Browser;
    let target: Target;
    const mobile = randomMobile();
    let paths: Record<string, string>;

    const startServer = (dataDir: string, p?: number) =>
      startTestServer({
        dataDir,
        ...(p ? { port: p } : {}),
        config: { quotaBytes: QUOTA, maxFileBytes: 3 * 1024 * KB, webDir: RENDERER_DIR },
      });

    beforeAll(async () => {
      ensureRendererBuilt();
      paths = writeSources(sources.path);
      server = await startServer(serverData.path);
      port = portOf(server.url);
      // About 300 KB/s upstream: slow enough to pause and cut an upload on its way.
      proxy = await startProxy(port, { bytesPerSecond: 300 * KB });
      browser = await launchChromium();
      const opened: string[] = [];
      if (kind === 'desktop') {
        const desktop: DesktopTarget = await openDesktopTarget(browser, {
          serverUrl: proxy.url,
          core: {
            uploads: { chunkBytes: 128 * KB, retryBaseMs: 200, retryMaxMs: 1000 },
            shell: { openPath: async (p) => void opened.push(p), showItemInFolder: () => {} },
          },
        });
        await desktop.page.evaluate((map) => {
          (window as unknown as { __sferumDropPaths: Record<string, string> }).__sferumDropPaths = map;
        }, paths);
        target = {
          page: desktop.page,
          context: desktop.context,
          kind,
          opened,
          close: async () => {
            await desktop.close();
            await desktop.testCore.dispose();
          },
        };
      } else {
        const context = await newContext(browser);
        const page = await context.newPage();
        await page.goto(proxy.url);
        target = { page, context, kind, opened, close: () => context.close() };
      }
    });

    afterAll(async () => {
      await target?.close();
      await browser?.close();
      await proxy?.close();
      await server?.close();
      serverData.remove();
      sources.remove();
    });

    it('uploads two dropped files and a folder, pauses, survives the server going away, resumes', async () => {
      const { page } = target;
      await page.getByTestId('signin-phone').waitFor({ timeout: 30_000 });
      await registerParent(page, mobile, { surname: 'Зайцева', name: 'Ирина', patronymic: 'Олеговна' });
      await page.getByTestId('menu-documents').click();
      await page.getByRole('heading', { level: 1, name: 'Мои документы' }).waitFor();
      await page.getByText('В этой папке пока ничего нет').waitFor();
      await screenshot(page, `${kind}-documents-empty`);

      if (kind === 'desktop') {
        // The folder travels as a File whose path (from the preload) is a directory.
        const dt = await dataTransfer(page, [...FILES, { name: FOLDER.name, size: 0, seed: 1 }]);
        await drop(page, dt, `${kind}-documents-drop`);
      } else {
        // Two files and a whole folder dragged in from the desktop, with a piece of text.
        await osDrop(
          page,
          [...FILES.map((f) => paths[f.name]!), paths[FOLDER.name]!],
          `${kind}-documents-drop`,
        );
      }
      // The dropped text is refused with a clear message; the files are not disturbed.
      await page.getByTestId('documents-notice').getByText('Это не файл и не папка').waitFor();
      await page.getByTestId('upload-panel').waitFor();
      await expect.poll(() => uploadStates(page), { timeout: 20_000 }).toHaveLength(4);
      await expect
        .poll(async () => (await uploadStates(page)).includes('uploading'), { timeout: 20_000 })
        .toBe(true);
      await screenshot(page, `${kind}-documents-uploading`);

      // Pause everything while the big file is on its way.
      await page.getByRole('button', { name: 'Пауза для всех' }).click();
      await expect
        .poll(async () => (await uploadStates(page)).every((s) => s === 'paused' || s === 'done'), {
          timeout: 20_000,
        })
        .toBe(true);
      const big = page.locator('[data-testid="upload-item"]', { hasText: 'Справка.pdf' });
      expect(await big.getAttribute('data-state')).toBe('paused');

      // The server goes away; resuming finds it offline and waits.
      await server.close();
      await page.getByRole('button', { name: 'Продолжить все' }).click();
      await page.getByText('Нет связи с сервером').waitFor({ timeout: 30_000 });
      // The file on its way says it waits, rather than "uploading" with nothing moving.
      await page.getByTestId('upload-panel').getByText('Ждёт связи').first().waitFor();
      await screenshot(page, `${kind}-documents-offline`);
      server = await startServer(serverData.path, port);
      await expect
        .poll(async () => (await uploadStates(page)).filter((s) => s === 'done').length, { timeout: 60_000 })
        .toBe(4);
      await row(page, 'Справка.pdf').waitFor({ timeout: 20_000 });
      await row(page, 'Фото.jpg').waitFor();
      await row(page, FOLDER.name).waitFor();
      await screenshot(page, `${kind}-documents-list`);

      // The folder kept its structure.
      await row(page, FOLDER.name).locator('.doc-open').click();
      await row(page, 'Видео').waitFor();
      await row(page, 'программа.txt').waitFor();
      await page.getByRole('button', { name: 'Мои документы', exact: true }).click();
      await row(page, 'Справка.pdf').waitFor();
    });

    it("shows the documents on the owner's second device, intact", async () => {
      const second = await createTestCore({ serverUrl: server.url });
      try {
        await signInAs(second.core, `+7${mobile}`);
        const list = await waitFor(
          async () => {
            await second.core.syncNow();
            const l = second.core.documents.list({ view: 'search', folderId: null, query: '', limit: 100 });
            return l.total === 6 ? l : null;
          },
          20_000,
          'the second device',
        );
        expect(list!.items.map((i) => i.name).sort()).toEqual(
          ['Видео', 'Концерт', 'клип.mp4', 'программа.txt', 'Справка.pdf', 'Фото.jpg'].sort(),
        );
        const opened: string[] = [];
        const doc = list!.items.find((i) => i.name === 'Справка.pdf')!;
        // A copy downloaded to the second device has the uploaded bytes.
        const again = await second.restart({
          shell: { openPath: async (p) => void opened.push(p), showItemInFolder: () => {} },
        });
        try {
          await again.core.documents.open(doc.id);
          expect(sha(fs.readFileSync(opened[0]!))).toBe(sha(bytes(FILES[0]!.size, FILES[0]!.seed)));
        } finally {
          await again.dispose();
        }
      } finally {
        await second.dispose();
      }
    });

    it('selects a document with one click, and opens it', async () => {
      const { page } = target;
      // One click selects the row, visibly, with «Открыть» in words; it opens nothing yet.
      await row(page, 'Фото.jpg').locator('.doc-open').click();
      expect(await row(page, 'Фото.jpg').getAttribute('aria-selected')).toBe('true');
      await row(page, 'Фото.jpg')
        .getByRole('button', { name: 'Открыть: Фото.jpg' })
        .getByText('Открыть')
        .waitFor();
      await screenshot(page, `${kind}-documents-selected`);
      expect(await seriousA11yViolations(page), 'a selected document').toEqual([]);
      expect(target.opened).toEqual([]);
      if (kind === 'desktop') {
        await row(page, 'Фото.jpg').locator('.doc-open').dblclick();
        await waitFor(() => target.opened.length > 0, 20_000, 'the system opener');
        expect(sha(fs.readFileSync(target.opened[0]!))).toBe(sha(bytes(FILES[1]!.size, FILES[1]!.seed)));
      } else {
        const popup = target.context.waitForEvent('page');
        await row(page, 'Фото.jpg').hover();
        await page.getByRole('button', { name: 'Открыть: Фото.jpg' }).click();
        const opened = await popup;
        await opened.waitForURL(/\/api\/documents\/.+\/content/);
        await opened.close();
      }
    });

    it('deletes a document to the trash and restores it', async () => {
      const { page } = target;
      await row(page, 'Фото.jpg').hover();
      await page.getByRole('button', { name: 'В корзину: Фото.jpg' }).click();
      await row(page, 'Фото.jpg').waitFor({ state: 'detached', timeout: 20_000 });
      await page.getByTestId('open-trash').click();
      await row(page, 'Фото.jpg').waitFor({ timeout: 20_000 });
      await screenshot(page, `${kind}-documents-trash`);
      await row(page, 'Фото.jpg').hover();
      await page.getByRole('button', { name: 'Восстановить: Фото.jpg' }).click();
      await page.getByText('Корзина пуста').waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Вернуться к документам' }).click();
      await row(page, 'Фото.jpg').waitFor({ timeout: 20_000 });
    });

    it('refuses a file that does not fit in the quota before it starts', async () => {
      const { page } = target;
      const big = { name: 'Концерт целиком.mp4', size: 2800 * KB, seed: 19 };
      if (kind === 'desktop') {
        const p = path.join(sources.path, big.name);
        fs.writeFileSync(p, bytes(big.size, big.seed));
        await page.evaluate(
          ([name, file]) => {
            (window as unknown as { __sferumDropPaths: Record<string, string> }).__sferumDropPaths[name!] =
              file!;
          },
          [big.name, p],
        );
      }
      const dt = await dataTransfer(page, [big]);
      await drop(page, dt);
      const notice = page.getByTestId('documents-notice');
      await notice.getByText('Место в хранилище закончилось').waitFor({ timeout: 20_000 });
      expect(await page.locator('[data-testid="upload-item"]', { hasText: big.name }).count()).toBe(0);
      await screenshot(page, `${kind}-documents-quota`);
      await page.getByRole('button', { name: 'Плиткой' }).click();
      await row(page, 'Справка.pdf').waitFor();
      await screenshot(page, `${kind}-documents-grid`);
    });

    it('shows a small uploaded image as itself in the grid', async () => {
      const { page } = target;
      const name = 'Точка.png';
      const file = path.join(sources.path, name);
      fs.writeFileSync(file, png(8));
      if (kind === 'desktop') {
        await page.evaluate(
          ([n, p]) => {
            (window as unknown as { __sferumDropPaths: Record<string, string> }).__sferumDropPaths[n!] = p!;
          },
          [name, file],
        );
        await drop(page, await dataTransfer(page, [{ name, size: 1, seed: 1 }]));
      } else {
        await page.getByTestId('file-input').setInputFiles(file);
      }
      const thumb = row(page, name).getByTestId('doc-thumb');
      await thumb.waitFor({ timeout: 20_000 });
      await expect
        .poll(() => thumb.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 20_000 })
        .toBe(8);
      // A document that is not an image keeps its icon.
      expect(await row(page, 'Справка.pdf').getByTestId('doc-thumb').count()).toBe(0);
      await screenshot(page, `${kind}-documents-thumbnail`);
    });

    it('finds documents anywhere by a part of the name as one types, and clearing goes back', async () => {
      const { page } = target;
      await page.getByRole('button', { name: 'Мои документы', exact: true }).click();
      await row(page, 'Справка.pdf').waitFor();
      const search = page.getByTestId('documents-search');
      // A file two folders down is found from the top, whatever the case of the letters.
      await search.pressSequentially('КЛИ');
      await row(page, 'клип.mp4').waitFor({ timeout: 20_000 });
      await page.getByText('Найдено: 1').waitFor();
      expect(await row(page, 'Справка.pdf').count()).toBe(0);
      await search.fill('');
      await search.pressSequentially('прав');
      await row(page, 'Справка.pdf').waitFor({ timeout: 20_000 });
      await page.getByText('Найдено: 1').waitFor();
      expect(await row(page, 'клип.mp4').count()).toBe(0);
      // The list says it is no longer busy once it shows this search's rows (screen readers hear it).
      expect(await page.getByTestId('documents-list').getAttribute('aria-busy')).toBe('false');
      await screenshot(page, `${kind}-documents-search`);
      await search.fill('');
      await row(page, FOLDER.name).waitFor();
      await row(page, 'Справка.pdf').waitFor();
    });

    it('moves a document into a folder from the grid, seen on the second device', async () => {
      const { page } = target;
      const trigger = page.getByRole('button', { name: 'Переместить…: Фото.jpg' });
      await row(page, 'Фото.jpg').hover();
      await trigger.click();
      const dialog = page.getByRole('dialog', { name: 'Переместить «Фото.jpg»' });
      await dialog.waitFor();
      expect(await dialog.getAttribute('aria-modal')).toBe('true');
      // Escape closes it and focus returns to the button that opened it.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await trigger.evaluate((el) => el === document.activeElement)).toBe(true);

      await trigger.click();
      await dialog.waitFor();
      // Already here: nothing to confirm at the top level.
      expect(await dialog.getByRole('button', { name: 'Переместить сюда' }).isDisabled()).toBe(true);
      await dialog.getByRole('button', { name: FOLDER.name }).click();
      await dialog.getByRole('button', { name: 'Видео' }).waitFor();
      await screenshot(page, `${kind}-documents-move`);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'detached' });
      await row(page, 'Фото.jpg').waitFor({ state: 'detached', timeout: 20_000 });
      await row(page, FOLDER.name).locator('.doc-open').click();
      await row(page, 'Фото.jpg').waitFor({ timeout: 20_000 });

      // A folder cannot go into itself.
      await page.getByRole('button', { name: 'Мои документы', exact: true }).click();
      await row(page, FOLDER.name).hover();
      await page.getByRole('button', { name: `Переместить…: ${FOLDER.name}` }).click();
      const folderDialog = page.getByRole('dialog', { name: `Переместить «${FOLDER.name}»` });
      expect(await folderDialog.getByRole('button', { name: FOLDER.name }).isDisabled()).toBe(true);
      await folderDialog.getByRole('button', { name: 'Отмена' }).click();
      await folderDialog.waitFor({ state: 'detached' });

      const second = await createTestCore({ serverUrl: server.url });
      try {
        await signInAs(second.core, `+7${mobile}`);
        await waitFor(
          async () => {
            await second.core.syncNow();
            const root = second.core.documents.list({ view: 'folder', folderId: null, limit: 100 });
            const folder = root.items.find((i) => i.name === FOLDER.name);
            if (!folder) return false;
            const inside = second.core.documents.list({ view: 'folder', folderId: folder.id, limit: 100 });
            return inside.items.some((i) => i.name === 'Фото.jpg');
          },
          20_000,
          'the move on the second device',
        );
      } finally {
        await second.dispose();
      }
    });

    if (kind === 'web') {
      it('uploads a folder chosen with «Выбрать папку», keeping its structure', async () => {
        const { page } = target;
        const chosen = path.join(sources.path, 'Грамоты');
        fs.mkdirSync(path.join(chosen, '2025'), { recursive: true });
        fs.writeFileSync(path.join(chosen, 'олимпиада.pdf'), bytes(20 * KB, 19));
        fs.writeFileSync(path.join(chosen, '2025', 'конкурс.pdf'), bytes(30 * KB, 23));
        await page.getByRole('button', { name: 'Мои документы', exact: true }).click();
        await page.locator('input[webkitdirectory]').setInputFiles(chosen);
        await row(page, 'Грамоты').waitFor({ timeout: 20_000 });
        await row(page, 'Грамоты').locator('.doc-open').click();
        await row(page, 'олимпиада.pdf').waitFor({ timeout: 20_000 });
        await row(page, '2025').locator('.doc-open').click();
        await row(page, 'конкурс.pdf').waitFor({ timeout: 20_000 });
      });

      it('keeps an upload the page was closed on, and adding the file again continues it', async () => {
        const { page } = target;
        const file = { name: 'Выступление.mp4', size: 1536 * KB, seed: 29 };
        const p = path.join(sources.path, file.name);
        fs.writeFileSync(p, bytes(file.size, file.seed));
        await page.getByRole('button', { name: 'Мои документы', exact: true }).click();
        const before = proxy.forwarded();
        await page.getByTestId('file-input').setInputFiles(p);
        // Closed (here: reloaded) with about half of the file at the server.
        await expect
          .poll(() => proxy.forwarded() - before, { timeout: 20_000 })
          .toBeGreaterThan(file.size / 2);
        await page.reload();
        await page.getByTestId('menu-documents').click();
        const item = page.locator('[data-testid="upload-item"]', { hasText: file.name });
        await item.getByText('Страница закрылась, пока файл загружался').waitFor({ timeout: 20_000 });
        expect(await item.getAttribute('data-state')).toBe('failed');
        expect(await item.getByRole('button', { name: /Повторить/ }).count()).toBe(0);
        // Its bar shows what the server holds (asked after the reload): a part of the file.
        const bar = async () => Number(await item.getByRole('progressbar').getAttribute('aria-valuenow'));
        await expect.poll(bar, { timeout: 10_000 }).toBeGreaterThan(0);
        const held = await bar();
        expect(held).toBeLessThan(100);
        await screenshot(page, 'web-documents-reloaded');

        // Every value its bar shows from now on, until it is done.
        await page.evaluate((name) => {
          const seen: number[] = [];
          (window as unknown as { __bars: number[] }).__bars = seen;
          const look = () => {
            const el = [...document.querySelectorAll('[data-testid="upload-item"]')].find((e) =>
              e.textContent?.includes(name),
            );
            const value = el?.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow');
            if (value) seen.push(Number(value));
            if (el?.getAttribute('data-state') !== 'done') requestAnimationFrame(look);
          };
          look();
        }, file.name);
        await page.getByTestId('file-input').setInputFiles(p);
        await row(page, file.name).waitFor({ timeout: 30_000 });
        // The list may hear of the document (live stream) before the panel of its upload.
        await expect.poll(() => item.getAttribute('data-state'), { timeout: 10_000 }).toBe('done');
        // It went on from the server's offset: the bar never went back below it.
        const seen = await page.evaluate(() => (window as unknown as { __bars: number[] }).__bars);
        expect(seen.length).toBeGreaterThan(0);
        expect(Math.min(...seen)).toBeGreaterThanOrEqual(held);
      });
    }
  });
}
