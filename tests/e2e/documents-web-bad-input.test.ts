import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { osDrop } from './drop.js';
import { screenshot } from './harness.js';
import { openDocumentsAsNewParent, webBehindLine } from './webLine.js';

const MB = 1024 * 1024;

/**
 * The web version and the memo's bad input, dropped from the desktop through Chromium's
 * own drag and drop: an empty file, a file over the size limit, a name of only dots, a
 * folder of more than 10,000 files, each refused with its sentence while the good file
 * next to it uploads. And a file that changes on disk while it uploads. The browser can no
 * longer read a file that changed after it was chosen, and the request fails without an
 * answer, like a network cut: the page must say what happened instead of waiting for a
 * network that is fine, let go of what reached the server, and leave the rest of the queue
 * alone. That file is larger than what the sockets on the way can hold, and the line holds
 * still after 2 MiB until the file has changed, so the change always lands mid-upload.
 */
describe('documents (web): bad input', () => {
  const web = webBehindLine('bad-input', { holdAfterBytes: 2 * MB, config: { maxFileBytes: 45 * MB } });

  const item = (name: string) => web.page.locator('[data-testid="upload-item"]', { hasText: name });
  const row = (name: string) => web.page.locator(`[data-testid="document-row"][data-name="${name}"]`);

  it('refuses an empty file, one over the limit, a name of dots and a huge folder, each with its sentence', async () => {
    await openDocumentsAsNewParent(web);
    const drop = path.join(web.sources.path, 'drop');
    fs.mkdirSync(drop);
    const files = {
      empty: path.join(drop, 'пусто.txt'),
      big: path.join(drop, 'Концерт целиком.mp4'),
      dots: path.join(drop, '...'),
      good: path.join(drop, 'Справка.pdf'),
    };
    fs.writeFileSync(files.empty, '');
    fs.writeFileSync(files.big, Buffer.alloc(46 * MB, 1));
    fs.writeFileSync(files.dots, 'dots');
    fs.writeFileSync(files.good, 'справка из поликлиники');
    await osDrop(web.page, Object.values(files));
    const notice = web.page.getByTestId('documents-notice');
    await notice.getByText('Не все файлы можно загрузить').waitFor();
    await notice.getByText('пусто.txt: Файл пустой').waitFor();
    await notice.getByText('Концерт целиком.mp4: Файл больше, чем разрешено').waitFor();
    await notice.getByText('...: Такое имя не подойдёт').waitFor();
    await screenshot(web.page, 'web-documents-bad-input');
    // The good file is not disturbed.
    await expect.poll(() => item('Справка.pdf').getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    await row('Справка.pdf').waitFor();
    expect(await item('пусто.txt').count()).toBe(0);

    // A folder of 10,001 files is refused whole, before anything is created.
    const many = path.join(web.sources.path, 'Все фото');
    fs.mkdirSync(many);
    for (let i = 0; i <= 10_000; i++) fs.writeFileSync(path.join(many, `${i}.jpg`), 'x');
    await osDrop(web.page, [many]);
    await notice.getByText('Слишком много файлов за один раз').waitFor({ timeout: 30_000 });
    expect(await row('Все фото').count()).toBe(0);
    expect(await web.page.getByTestId('upload-item').count()).toBe(1);
  }, 60_000);

  it('reports a file that changes while it uploads, stores nothing of it, and the other file uploads', async () => {
    await web.page.getByTestId('upload-panel').getByRole('button', { name: 'Убрать завершённые' }).click();
    const video = path.join(web.sources.path, 'Репетиция.mp4');
    const note = path.join(web.sources.path, 'Записка.txt');
    fs.writeFileSync(video, Buffer.alloc(40 * MB, 7));
    fs.writeFileSync(note, 'Прошу отпустить с уроков в пятницу.');
    await web.page.getByTestId('file-input').setInputFiles([video, note]);
    await web.line.held;
    fs.appendFileSync(video, 'a few more seconds');
    web.line.release();

    await item('Репетиция.mp4').getByText('Файл изменился во время загрузки').waitFor({ timeout: 30_000 });
    expect(await item('Репетиция.mp4').getAttribute('data-state')).toBe('failed');
    // The page holds the file as it was chosen: only adding it again helps, no retry.
    expect(
      await item('Репетиция.mp4')
        .getByRole('button', { name: /Повторить/ })
        .count(),
    ).toBe(0);
    // Not mistaken for a lost connection.
    expect(await web.page.getByText('Нет связи с сервером').count()).toBe(0);
    await expect.poll(() => item('Записка.txt').getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    await row('Записка.txt').waitFor();
    await screenshot(web.page, 'web-documents-file-changed');
    expect(await row('Репетиция.mp4').count()).toBe(0);
    // What reached the server of the old file is gone (it held the parent's quota).
    const uploads = path.join(web.serverData.path, 'uploads');
    const sizes = () => fs.readdirSync(uploads).map((f) => fs.statSync(path.join(uploads, f)).size);
    await expect.poll(() => Math.max(0, ...sizes()), { timeout: 10_000 }).toBeLessThan(MB);
  });
});
