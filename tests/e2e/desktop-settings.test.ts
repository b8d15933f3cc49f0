import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeDialogs, createMemorySecretStorage } from '../helpers/ports.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  type DesktopTarget,
  ensureRendererBuilt,
  launchChromium,
  openDesktopTarget,
  screenshot,
} from './harness.js';
import { seriousA11yViolations } from './a11y.js';
import { enterCode, enterPhoneAndGetCode, randomMobile, registerParent } from './flows.js';

/** Settings → Server: pointing the desktop app at a school's server. */
describe('desktop app server address', () => {
  let first: TestServer;
  let school: TestServer;
  let browser: Browser;
  let desktop: DesktopTarget;
  /** The app's own native dialogs (Electron's, in the app). */
  const dialogs = createFakeDialogs();

  beforeAll(async () => {
    ensureRendererBuilt();
    first = await startTestServer();
    school = await startTestServer();
    browser = await launchChromium();
    desktop = await openDesktopTarget(browser, {
      serverUrl: first.url,
      secrets: createMemorySecretStorage('basic_text'),
      core: { dialogs },
    });
    await registerParent(desktop.page, randomMobile(), {
      surname: 'Орлова',
      name: 'Наталья',
      patronymic: '',
    });
  });

  afterAll(async () => {
    await desktop?.close();
    await desktop?.testCore.dispose();
    await browser?.close();
    await first?.close();
    await school?.close();
  });

  it('warns that the sign-in is kept without a system keyring', async () => {
    const { page } = desktop;
    await page.getByTestId('app-warnings').waitFor();
    expect(await page.getByTestId('app-warnings').textContent()).toContain('без надёжной защиты');
  });

  it('shows the space the copies of opened documents take on this computer', async () => {
    const { page } = desktop;
    await page.getByTestId('menu-settings').click();
    await page.getByTestId('storage-usage').waitFor();
    expect(await page.getByTestId('storage-usage').textContent()).toContain('Копии открытых документов');
    expect(await page.getByRole('button', { name: 'Очистить копии' }).isDisabled()).toBe(true);
  });

  it('turns native notifications off and on', async () => {
    const { page } = desktop;
    await page.getByTestId('menu-settings').click();
    await page.getByRole('radio', { name: 'Не показывать', exact: true }).check();
    await expect.poll(() => desktop.testCore.core.getState().settings.notifications).toBe(false);
    await page.getByRole('radio', { name: 'Показывать', exact: true }).check();
    await expect.poll(() => desktop.testCore.core.getState().settings.notifications).toBe(true);
  });

  it('adds a second profile on this computer, goes back, and removes it after a confirmation', async () => {
    const { page } = desktop;
    await page.getByTestId('menu-settings').click();
    const card = page.getByTestId('settings-profiles');
    await card.getByRole('button', { name: '+ Добавить профиль' }).click();
    await page.getByTestId('signin-phone').waitFor();
    expect(desktop.testCore.core.getState().accounts).toHaveLength(2);

    // The parent's profile is still signed in: one click on it from the sign-in screen.
    await page.getByRole('button', { name: /Орлова Наталья/ }).click();
    await page.getByTestId('profile-name').waitFor();
    await page.getByTestId('menu-settings').click();
    await screenshot(page, 'desktop-settings-profiles');
    // Escape cancels the confirmation; asking again shows it again.
    await card.getByRole('button', { name: 'Убрать профиль с компьютера: Новый профиль' }).click();
    await card.getByRole('button', { name: /Убрать «Новый профиль»/ }).waitFor();
    await page.keyboard.press('Escape');
    await card.getByRole('button', { name: /Убрать «Новый профиль»/ }).waitFor({ state: 'detached' });
    await card.getByRole('button', { name: 'Убрать профиль с компьютера: Новый профиль' }).click();
    expect(await seriousA11yViolations(page), 'profiles').toEqual([]);
    await card.getByRole('button', { name: /Убрать «Новый профиль»/ }).click();
    await expect.poll(() => desktop.testCore.core.getState().accounts.length).toBe(1);
    await expect.poll(() => page.getByTestId('profile-name').textContent()).toContain('Наталья');
  });

  it('explains an address that is not a server address', async () => {
    const { page } = desktop;
    await page.getByTestId('menu-settings').click();
    await page.getByTestId('server-url').fill('school server');
    await page.getByRole('button', { name: 'Проверить связь' }).click();
    await page.getByRole('alert').filter({ hasText: /адрес/i }).waitFor();
    await screenshot(page, 'desktop-settings-server-invalid');
  });

  it('says when an address answers but is not a Sferum Family server', async () => {
    const { page } = desktop;
    // The page's own origin serves only the UI files: a web server, but not ours.
    const notOurs = new URL(page.url()).origin;
    await page.getByTestId('server-url').fill(notOurs);
    await page.getByRole('button', { name: 'Проверить связь' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').first().textContent()).not.toBe('');
  });

  it('checks the school server, switches to it once the app’s own dialog confirms, and signs in there', async () => {
    const { page } = desktop;
    await page.getByTestId('server-url').fill(school.url);
    await page.getByRole('button', { name: 'Проверить связь' }).click();
    await page.getByText('Сервер отвечает').waitFor();
    await screenshot(page, 'desktop-settings-server-ok');
    expect(await seriousA11yViolations(page), 'settings').toEqual([]);
    expect(dialogs.questions).toEqual([]);

    // The parent says no in the app's native dialog: the page's request changes nothing.
    dialogs.answer = false;
    await page.getByRole('button', { name: 'Подключиться к этому серверу' }).click();
    await page.getByText('Сервер не изменён').waitFor();
    expect(dialogs.questions.map((q) => q.message)).toEqual([`Подключиться к серверу ${school.url}?`]);
    expect(desktop.testCore.core.getState()).toMatchObject({
      effectiveServerUrl: first.url,
      settings: { serverUrl: first.url },
    });
    expect(desktop.testCore.core.getProfile()?.name).toBe('Наталья');

    dialogs.answer = true;
    await page.getByRole('button', { name: 'Подключиться к этому серверу' }).click();

    await page.getByTestId('signin-phone').waitFor({ timeout: 10_000 });
    expect(desktop.testCore.core.getState().effectiveServerUrl).toBe(school.url);
    const before = school.sender.sent.length;
    const code = await enterPhoneAndGetCode(page, randomMobile());
    expect(school.sender.sent.length).toBe(before + 1);
    await enterCode(page, code);
    await page.getByText('Как вас зовут?').waitFor();
  });
});
