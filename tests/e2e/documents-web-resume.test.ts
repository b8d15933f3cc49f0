import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { osDrop } from './drop.js';
import { screenshot } from './harness.js';
import { openDocumentsAsNewParent, webBehindLine } from './webLine.js';

const KB = 1024;

/**
 * The web version: a folder whose upload the page was closed on, dropped again. The files
 * that reached the server are not sent twice, the one on its way continues, and all of them
 * end up in the folder made the first time, not in a copy of it. The line holds still after
 * 1 MiB, which the big file (uploaded last: the queue follows the folder's order) reaches
 * only after one of the small ones is done.
 */
describe('documents (web): a folder dropped again after the page was closed', () => {
  const web = webBehindLine('resume', { holdAfterBytes: 1024 * KB });

  const names = () =>
    web.page
      .locator('[data-testid="document-row"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-name') ?? '').sort());

  it('sends only what is missing, into the same folder', async () => {
    await openDocumentsAsNewParent(web);
    const folder = path.join(web.sources.path, 'Утренник');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'а-программа.txt'), Buffer.alloc(20 * KB, 1));
    fs.writeFileSync(path.join(folder, 'б-фото.jpg'), Buffer.alloc(30 * KB, 2));
    fs.writeFileSync(path.join(folder, 'в-видео.mp4'), Buffer.alloc(6 * 1024 * KB, 3));
    await osDrop(web.page, [folder]);
    await web.line.held;
    const states = () =>
      web.page.getByTestId('upload-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    await expect.poll(async () => (await states()).includes('done'), { timeout: 20_000 }).toBe(true);

    // The tab is closed mid-upload and the site opened again in a new one.
    const context = web.page.context();
    await web.page.close();
    web.line.release();
    web.page = await context.newPage();
    await web.page.goto(web.line.url);
    await web.page.getByTestId('menu-documents').click();
    const video = web.page.locator('[data-testid="upload-item"]', { hasText: 'в-видео.mp4' });
    // The upload the tab was closed on is back: waiting for its file, or done already when
    // its last bytes reached the server after the tab closed (the page asks the server at
    // once, so «Страница закрылась» may show only for a moment then).
    const restored = async () =>
      (await video.getAttribute('data-state')) === 'done' ||
      (await video.getByText('Страница закрылась').count()) > 0;
    await expect.poll(restored, { timeout: 20_000 }).toBe(true);
    await web.page.locator('input[webkitdirectory]').setInputFiles(folder);
    // The small files that had arrived are not sent again (the video may have become a
    // document too, with its last bytes after the tab closed).
    await web.page
      .getByTestId('documents-notice')
      .getByText(/Уже загружены раньше: [23]/)
      .waitFor();
    await expect.poll(() => video.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    await expect
      .poll(async () => (await states()).every((s) => s === 'done'), { timeout: 30_000 })
      .toBe(true);

    // One folder, holding each file once.
    await expect.poll(names, { timeout: 10_000 }).toEqual(['Утренник']);
    await web.page.locator('[data-testid="document-row"][data-name="Утренник"] .doc-open').click();
    await expect.poll(names, { timeout: 10_000 }).toEqual(['а-программа.txt', 'б-фото.jpg', 'в-видео.mp4']);
    await screenshot(web.page, 'web-documents-folder-resumed');
  });

  it('uploads the same file into two folders while the first copy is still on its way', async () => {
    await web.page.getByRole('button', { name: 'Мои документы', exact: true }).click();
    // Two copies of one file (same name, size and date) in two folders, dropped one after
    // the other; the line holds the first copy on its way while the second starts, which
    // must not take over the first one's upload.
    const when = new Date('2026-09-01T08:00:00Z');
    const copies = ['Грамоты 2025', 'Грамоты 2026'].map((dir) => {
      fs.mkdirSync(path.join(web.sources.path, dir));
      const p = path.join(web.sources.path, dir, 'грамота.pdf');
      fs.writeFileSync(p, Buffer.alloc(4 * 1024 * KB, 9));
      fs.utimesSync(p, when, when);
      return path.join(web.sources.path, dir);
    });
    /** The copies on their way or done (the second one may finish at once). */
    const started = async () =>
      web.page
        .getByTestId('upload-item')
        .evaluateAll(
          (els) =>
            els.filter(
              (e) =>
                ['uploading', 'done'].includes(e.getAttribute('data-state') ?? '') &&
                e.textContent?.startsWith('грамота.pdf'),
            ).length,
        );
    const held = web.line.holdAfter(1024 * KB);
    await osDrop(web.page, [copies[0]!]);
    await held;
    await expect.poll(started, { timeout: 20_000 }).toBe(1);
    await osDrop(web.page, [copies[1]!]);
    await expect.poll(started, { timeout: 20_000 }).toBe(2);
    web.line.release();
    for (const dir of ['Грамоты 2025', 'Грамоты 2026']) {
      await web.page.locator(`[data-testid="document-row"][data-name="${dir}"] .doc-open`).click();
      await expect.poll(names, { timeout: 30_000 }).toEqual(['грамота.pdf']);
      await web.page.getByRole('button', { name: 'Мои документы', exact: true }).click();
    }
  });
});
