import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInByPhone } from '../../src/server/testing.js';
import { issueInvite, newStudent } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { attachVkIdStandIn, type VkIdStandIn } from '../helpers/vkid.js';
import { seriousA11yViolations } from './a11y.js';
import { ensureRendererBuilt, launchChromium, newContext, RENDERER_DIR, screenshot } from './harness.js';

const LIVE = { timeout: 15_000 };
const LINK_PHONE = '+79005554040';

/** «Войти через VK ID» in the web version, against the VK-shaped stand-in provider. */
describe('sign-in with VK ID (web)', () => {
  let server: TestServer;
  let vk: VkIdStandIn;
  let browser: Browser;

  beforeAll(async () => {
    ensureRendererBuilt();
    server = await startTestServer({ config: { webDir: RENDERER_DIR } });
    vk = await attachVkIdStandIn(server, {
      mama: { firstName: 'Анна', lastName: 'Котова', phone: '79005553030' },
      papa: { firstName: 'Олег', lastName: 'Орлов', phone: LINK_PHONE.slice(1) },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await vk?.close();
    await server?.close();
  });

  async function atStandIn(page: Page, login: string): Promise<void> {
    await page.waitForURL((url) => url.toString().startsWith(vk.url), LIVE);
    await page.getByLabel('Телефон или логин VK').fill(login);
    await page.getByRole('button', { name: 'Войти' }).click();
  }

  it('a parent opens a child’s invite link, signs in with VK ID and confirms the child', async () => {
    const student = await newStudent(server, { surname: 'Котов', name: 'Илья', patronymic: 'Андреевич' });
    const invite = await issueInvite(server, await signInByPhone(server, student.phone));
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/invite/${invite.token}`);
    await page.getByTestId('invite-signin-notice').waitFor(LIVE);
    await page.getByTestId('vkid-signin').waitFor(LIVE);
    await screenshot(page, 'vkid-web-invite-signin');
    expect(await seriousA11yViolations(page), 'invite sign-in with VK ID').toEqual([]);

    await page.getByTestId('vkid-signin').click();
    await atStandIn(page, 'mama');
    // Back from VK: a new parent, with the name VK gives, to correct.
    await page.getByText('Как вас зовут?').waitFor(LIVE);
    expect(await page.getByLabel('Фамилия').inputValue()).toBe('Котова');
    expect(await page.getByLabel('Имя', { exact: true }).inputValue()).toBe('Анна');
    expect(page.url()).not.toContain('vkid_');
    await screenshot(page, 'vkid-web-name');
    expect(await seriousA11yViolations(page), 'VK ID name step').toEqual([]);
    await page.getByLabel('Отчество').fill('Сергеевна');
    await page.getByTestId('signin-submit').click();

    // The invite continues after the sign-in.
    await page.getByTestId('invite-screen').waitFor(LIVE);
    expect(await page.getByLabel('Фамилия').inputValue()).toBe('Котов');
    await page.getByTestId('invite-confirm').click();
    await page.getByTestId('invite-done').waitFor(LIVE);
    const family = await server.server.context.family.tables.parentsOf(student.id);
    expect(family).toHaveLength(1);

    // Settings shows VK ID linked, and unlinks it (a code by SMS remains).
    await page.getByTestId('menu-settings').click();
    await page.getByTestId('settings-vkid').waitFor(LIVE);
    await page.getByTestId('settings-vkid').scrollIntoViewIfNeeded();
    await screenshot(page, 'vkid-web-settings');
    expect(await seriousA11yViolations(page), 'settings with VK ID').toEqual([]);
    await page.getByRole('button', { name: 'Отвязать VK ID' }).click();
    await page.getByText('VK ID отвязан.').waitFor(LIVE);
    await context.close();
  });

  it('links VK ID to an existing account only after the code sent to its phone', async () => {
    const existing = await signInByPhone(server, LINK_PHONE, { name: { surname: 'Орлов', name: 'Олег' } });
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId('vkid-signin').click();
    await atStandIn(page, 'papa');
    await page.getByTestId('vkid-link-notice').waitFor(LIVE);
    await screenshot(page, 'vkid-web-link-code');
    expect(await seriousA11yViolations(page), 'VK ID link code').toEqual([]);
    await page.getByTestId('signin-code').fill(server.sender.lastCode(LINK_PHONE)!);
    await page.getByTestId('signin-submit').click();
    await expect.poll(() => page.getByTestId('profile-name').textContent(), LIVE).toContain('Олег');
    expect((await server.server.context.store.vkid.getIdentityOfUser(existing.profile.id)) !== null).toBe(
      true,
    );
    await context.close();
  });

  it('says why when the person cancels at VK', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId('vkid-signin').click();
    await page.waitForURL((url) => url.toString().startsWith(vk.url), LIVE);
    await page.getByRole('button', { name: 'Отмена' }).click();
    await page.getByText('Вход через VK ID отменён').waitFor(LIVE);
    await context.close();
  });

  for (const language of ['ru', 'en'] as const) {
    for (const theme of ['light', 'dark'] as const) {
      it(`shows «Войти через VK ID» in ${language}, ${theme}`, async () => {
        const context = await newContext(browser);
        await context.addInitScript(
          `localStorage.setItem('sferum.settings', ${JSON.stringify(JSON.stringify({ language, theme }))})`,
        );
        const page = await context.newPage();
        await page.goto(server.url);
        await page.getByTestId('vkid-signin').waitFor(LIVE);
        await expect.poll(() => page.evaluate('document.documentElement.dataset.theme')).toBe(theme);
        expect(await page.getByTestId('vkid-signin').textContent()).toBe(
          language === 'ru' ? 'Войти через VK ID' : 'Sign in with VK ID',
        );
        // The theme's colours fade in (CSS transitions): shoot once they have settled.
        await expect.poll(() => page.evaluate('document.getAnimations().length')).toBe(0);
        await screenshot(page, `vkid-${language}-${theme}-signin`);
        expect(await seriousA11yViolations(page), `VK ID ${language} ${theme}`).toEqual([]);
        await context.close();
      });
    }
  }
});
