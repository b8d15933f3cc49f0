import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { seriousA11yViolations } from './a11y.js';
import { ensureRendererBuilt, launchChromium, RENDERER_DIR, screenshot } from './harness.js';
import { randomMobile, registerParent } from './flows.js';

/** Signing in and moving around with the keyboard alone; the app at 200% zoom. */
describe('keyboard and zoom', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureRendererBuilt();
    server = await startTestServer({ config: { webDir: RENDERER_DIR } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs a new parent up and reaches «Семья» without a mouse', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId('signin-phone').waitFor();
    await expect.poll(() => page.evaluate('document.activeElement?.dataset.testid')).toBe('signin-phone');
    await page.keyboard.type(randomMobile());
    await page.keyboard.press('Enter');

    const code = ((await page.getByTestId('demo-code').textContent()) ?? '').replace(/\D/g, '');
    await expect.poll(() => page.evaluate('document.activeElement?.dataset.testid')).toBe('signin-code');
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');

    await page.getByText('Как вас зовут?').waitFor();
    await page.keyboard.type('Клавишина');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Вера');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Павловна');
    await page.keyboard.press('Enter');
    await page.getByTestId('profile-name').waitFor();

    // Tab through the page until «Семья» in the menu has the focus, with a visible ring.
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate('document.activeElement?.dataset.testid')) === 'menu-family';
    }
    expect(reached).toBe(true);
    const ring = await page.evaluate(
      `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; })()`,
    );
    expect(ring).toBe(true);
    await screenshot(page, 'keyboard-focus-menu');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Семья' }).waitFor();
    await context.close();
  });

  it('stays readable at 200% zoom: nothing cut off sideways', async () => {
    // 200% zoom of a 1280×800 window: half as many CSS pixels, each twice as large.
    const context = await browser.newContext({
      viewport: { width: 640, height: 400 },
      deviceScaleFactor: 2,
      locale: 'ru-RU',
    });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId('signin-phone').waitFor();
    const overflow = () =>
      page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'zoom-200-signin');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await registerParent(page, randomMobile(), { surname: 'Крупнова', name: 'Зоя', patronymic: '' });
    for (const screen of ['family', 'chats', 'help', 'settings']) {
      await page.getByTestId(`menu-${screen}`).click();
      await page.locator('main h1').first().waitFor();
      expect(await overflow(), screen).toBeLessThanOrEqual(0);
      await screenshot(page, `zoom-200-${screen}`);
    }
    await context.close();
  });
});
