import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInByPhone } from '../../src/server/testing.js';
import { confirm, issueInvite, newStudent } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { seriousA11yViolations } from './a11y.js';
import { ensureRendererBuilt, launchChromium, newContext, RENDERER_DIR, screenshot } from './harness.js';
import { randomMobile, registerParent } from './flows.js';

/**
 * Every screen of a parent with a child, in Russian and English, light and dark, at
 * 1280×800: a screenshot of each (tests/.artifacts/screenshots/tour-*) and an axe-core
 * check with no serious or critical violation.
 */
const SCREENS = ['profile', 'family', 'chats', 'documents', 'settings', 'help'] as const;

async function settle(page: Page): Promise<void> {
  await page.locator('main h1').first().waitFor();
  await expect.poll(() => page.locator('[aria-busy="true"]').count()).toBe(0);
}

describe('a tour of every screen', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ensureRendererBuilt();
    server = await startTestServer({ config: { webDir: RENDERER_DIR } });
    browser = await launchChromium();
    page = await (await newContext(browser)).newPage();
    const mobile = randomMobile();
    await page.goto(server.url);
    await registerParent(page, mobile, { surname: 'Лебедева', name: 'Анна', patronymic: 'Сергеевна' });

    // A child of the demo school joins this parent's family.
    const student = await newStudent(server, { surname: 'Лебедев', name: 'Артём', patronymic: 'Игоревич' });
    const child = await signInByPhone(server, student.phone);
    const parent = await signInByPhone(server, `+7${mobile}`);
    const invite = await issueInvite(server, child);
    const confirmed = await confirm(server, parent, invite.token, { surname: 'Лебедев', name: 'Артём' });
    expect(confirmed.status).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const language of ['ru', 'en'] as const) {
    for (const theme of ['light', 'dark'] as const) {
      it(`shows the sign-in screen in ${language}, ${theme}`, async () => {
        const context = await newContext(browser);
        await context.addInitScript(
          `localStorage.setItem('sferum.settings', ${JSON.stringify(JSON.stringify({ language, theme }))})`,
        );
        const signIn = await context.newPage();
        await signIn.goto(server.url);
        await signIn.getByTestId('signin-phone').waitFor();
        await expect.poll(() => signIn.evaluate('document.documentElement.dataset.theme')).toBe(theme);
        expect(await signIn.evaluate('document.documentElement.lang')).toBe(language);
        await screenshot(signIn, `tour-${language}-${theme}-signin`);
        expect(await seriousA11yViolations(signIn), `sign-in ${language} ${theme}`).toEqual([]);
        await context.close();
      });

      it(`shows every screen in ${language}, ${theme}`, async () => {
        await page.getByTestId('menu-settings').click();
        await page
          .getByRole('radio', { name: language === 'ru' ? 'Русский' : 'English' })
          .first()
          .check();
        const themeName = {
          ru: { light: 'Светлое', dark: 'Тёмное' },
          en: { light: 'Light', dark: 'Dark' },
        }[language][theme];
        await page.getByRole('radio', { name: themeName, exact: true }).check();
        await expect.poll(() => page.evaluate('document.documentElement.dataset.theme')).toBe(theme);

        for (const screen of SCREENS) {
          await page.getByTestId(`menu-${screen}`).click();
          await settle(page);
          await screenshot(page, `tour-${language}-${theme}-${screen}`);
          expect(await seriousA11yViolations(page), `${screen} ${language} ${theme}`).toEqual([]);
        }
        // The child's card opens the child's profile.
        await page.getByTestId('menu-family').click();
        await page.getByText('Лебедев Артём', { exact: false }).first().click();
        await settle(page);
        await screenshot(page, `tour-${language}-${theme}-child`);
        expect(await seriousA11yViolations(page), `child ${language} ${theme}`).toEqual([]);
      });
    }
  }
});
