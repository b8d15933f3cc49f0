import type { Page } from 'playwright-core';
import { screenshot } from './harness.js';

/**
 * A drop the way the browser itself delivers one from the desktop: Chromium's input
 * pipeline (DevTools Input.dispatchDragEvent) with real paths on disk, so a folder
 * arrives as a directory entry the page can walk, next to a piece of plain text (Chromium
 * delivers no drag of files alone this way).
 */
export async function osDrop(page: Page, files: string[], shot?: string): Promise<void> {
  const box = await page.locator('main').boundingBox();
  if (!box) throw new Error('no main area to drop on');
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const data = {
    items: [{ mimeType: 'text/plain', data: 'not a file, just text' }],
    files,
    dragOperationsMask: 1,
  };
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Input.dispatchDragEvent', { type: 'dragEnter', ...at, data });
    // The hand keeps moving over the window (the browser repeats dragover) until the page
    // shows it takes the drop; a screen still mounting misses the first ones.
    const overlay = page.getByTestId('drop-overlay');
    for (let i = 0; ; i++) {
      await cdp.send('Input.dispatchDragEvent', { type: 'dragOver', ...at, data });
      try {
        await overlay.waitFor({ timeout: 1000 });
        break;
      } catch (error) {
        if (i >= 20) throw error;
      }
    }
    if (shot) await screenshot(page, shot);
    await cdp.send('Input.dispatchDragEvent', { type: 'drop', ...at, data });
  } finally {
    await cdp.detach();
  }
  await page.getByTestId('drop-overlay').waitFor({ state: 'detached' });
}
