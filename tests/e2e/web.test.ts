import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServices, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestCore, signInAs } from '../helpers/core.js';
import { newStudent } from '../helpers/family.js';
import { seriousA11yViolations } from './a11y.js';
import { ensureRendererBuilt, launchChromium, newContext, RENDERER_DIR, screenshot } from './harness.js';
import { enterCode, enterPhoneAndGetCode, randomMobile, registerParent } from './flows.js';

/** The web version: the real renderer served by the real server, in Chromium. */
describe('web version', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const mobile = randomMobile();

  beforeAll(async () => {
    ensureRendererBuilt();
    server = await startTestServer({ config: { webDir: RENDERER_DIR } });
    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('registers a new parent by phone and shows their profile', async () => {
    await page.goto(server.url);
    await page.getByText('Введите номер телефона').waitFor();
    await screenshot(page, 'web-signin-phone');
    expect(await seriousA11yViolations(page), 'sign-in').toEqual([]);

    const code = await enterPhoneAndGetCode(page, mobile);
    expect(code).toMatch(/^\d{8}$/);
    await screenshot(page, 'web-signin-code');
    expect(await seriousA11yViolations(page), 'code').toEqual([]);
    await enterCode(page, code);
    await page.getByText('Как вас зовут?').waitFor();
    await screenshot(page, 'web-signin-name');
    await page.getByLabel('Фамилия').fill('Смирнова');
    await page.getByLabel('Имя', { exact: true }).fill('Ольга');
    await page.getByLabel('Отчество').fill('Петровна');
    await page.getByTestId('signin-submit').click();

    await expect.poll(() => page.getByTestId('profile-name').textContent()).toContain('Ольга');
    await page.getByTestId('menu-profile').click();
    await page.getByRole('heading', { name: 'Смирнова Ольга Петровна' }).waitFor();
    await expect.poll(() => page.getByTestId('sync-indicator').getAttribute('data-state')).toBe('online');
    await screenshot(page, 'web-profile');
    expect(await seriousA11yViolations(page), 'profile').toEqual([]);
  });

  it('keeps the parent signed in across a reload', async () => {
    await page.reload();
    await expect.poll(() => page.getByTestId('profile-name').textContent()).toContain('Ольга');
  });

  it('shows a change made on another device live', async () => {
    // The same parent on a desktop: the same phone, another device.
    const desktop = await createTestCore({ serverUrl: server.url });
    try {
      await signInAs(desktop.core, `+7${mobile}`);
      await desktop.core.updateProfile({ surname: 'Смирнова', name: 'Ольга', patronymic: 'Николаевна' });
      await page.getByRole('heading', { name: 'Смирнова Ольга Николаевна' }).waitFor({ timeout: 10_000 });
    } finally {
      await desktop.dispose();
    }
  });

  it('walks through every section of the menu', async () => {
    const titles = { family: 'Семья', documents: 'Мои документы', help: 'Помощь', settings: 'Настройки' };
    for (const [section, title] of Object.entries(titles)) {
      await page.getByTestId(`menu-${section}`).click();
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
      await screenshot(page, `web-${section}`);
      expect(await seriousA11yViolations(page), section).toEqual([]);
    }
    await page.getByTestId('menu-help').click();
    await page.getByText('info@sferum.ru').first().waitFor();
  });

  it('sends a request to support from «Помощь», with diagnostics only when agreed', async () => {
    await page.getByTestId('menu-help').click();
    await page.getByTestId('support-submit').click();
    await page.getByText('Напишите хотя бы пару слов').waitFor();
    await page.getByTestId('support-text').fill('Не получается открыть ссылку-приглашение от дочери.');
    await page.getByLabel(/Приложить версию приложения/).check();
    await page.getByTestId('support-submit').click();
    await page.getByTestId('support-sent').waitFor();
    expect(await page.getByTestId('support-sent').textContent()).toMatch(/Запрос № \d+ отправлен/);
    await screenshot(page, 'web-help-support-sent');
    expect(await seriousA11yViolations(page), 'support').toEqual([]);
    const services = openServices(server.dataDir);
    const [ticket] = await services.support.list();
    services.close();
    expect(ticket?.text).toBe('Не получается открыть ссылку-приглашение от дочери.');
    expect(ticket?.diagnostics?.os).toBeTruthy();
  });

  it('takes files dragged over any screen into «Мои документы»', async () => {
    await page.getByTestId('menu-family').click();
    await page.getByRole('heading', { level: 1, name: 'Семья' }).waitFor();
    const dt = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(
        new File(['Расписание кружков на декабрь'], 'Расписание.txt', { type: 'text/plain' }),
      );
      return transfer;
    });
    await page.dispatchEvent('main', 'dragenter', { dataTransfer: dt });
    await page.getByRole('heading', { level: 1, name: 'Мои документы' }).waitFor();
    await page.dispatchEvent('main', 'dragenter', { dataTransfer: dt });
    await page.dispatchEvent('main', 'dragover', { dataTransfer: dt });
    await page.getByTestId('drop-overlay').waitFor();
    await page.dispatchEvent('main', 'drop', { dataTransfer: dt });
    await page
      .locator('[data-testid="document-row"][data-name="Расписание.txt"]')
      .waitFor({ timeout: 20_000 });
  });

  it('switches to English and back', async () => {
    await page.getByTestId('menu-settings').click();
    await page.getByRole('radio', { name: 'English' }).check();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await screenshot(page, 'web-settings-en');
    await page.getByRole('radio', { name: 'Русский' }).check();
    await page.getByRole('heading', { name: 'Настройки', level: 1 }).waitFor();
  });

  it('refuses a wrong code with a sentence, then signs a student in by e-mail', async () => {
    const other = await newContext(browser);
    const student = await other.newPage();
    try {
      await student.goto(server.url);
      await enterPhoneAndGetCode(student, randomMobile());
      await enterCode(student, '00000000');
      await student.getByRole('alert').waitFor();
      expect(await student.getByRole('alert').textContent()).toMatch(/Код не подходит|код/i);
      await screenshot(student, 'web-signin-wrong-code');

      await student.reload();
      await student.getByRole('button', { name: 'Войти по электронной почте' }).click();
      await student.getByTestId('signin-email').fill('anna.ivanova@example.ru');
      await student.getByTestId('signin-submit').click();
      const code = ((await student.getByTestId('demo-code').textContent()) ?? '').replace(/\D/g, '');
      await enterCode(student, code);
      await expect.poll(() => student.getByTestId('profile-name').textContent()).toContain('Анна');
      await student.getByTestId('menu-profile').click();
      await student.getByText('2 Б').waitFor();
      await screenshot(student, 'web-student-profile');
    } finally {
      await other.close();
    }
  });

  it('a student signed in here is told it is a student’s account; their link opened here offers incognito', async () => {
    const kid = await newStudent(server, { surname: 'Орлова', name: 'Дарья' });
    const other = await newContext(browser);
    try {
      const student = await other.newPage();
      await student.goto(server.url);
      await enterCode(student, await enterPhoneAndGetCode(student, kid.phone.slice(2)));
      const notice = student.getByTestId('student-notice');
      await notice.getByText('Это учётная запись ученика: Дарья Орлова').waitFor();
      await screenshot(student, 'web-student-notice');
      expect(await seriousA11yViolations(student), 'student notice').toEqual([]);

      // The student's own link, opened in the same browser: the memo's three ways out.
      const link = student.getByTestId('invite-url');
      await expect.poll(() => link.inputValue()).toContain('/invite/');
      const inviteUrl = await link.inputValue();
      await student.goto(inviteUrl);
      const incognito = student.getByTestId('way-incognito');
      await incognito.getByText('Ctrl', { exact: true }).first().waitFor();
      expect(await student.getByTestId('incognito-link').inputValue()).toBe(inviteUrl);
      expect(await student.getByTestId('way-profile').count()).toBe(0);
      await student.getByTestId('way-sign-out').waitFor();
      await screenshot(student, 'web-invite-same-device');
      expect(await seriousA11yViolations(student), 'same device on the web').toEqual([]);

      // Only the student's own word takes the notice away, and it stays away on this device.
      await notice.getByRole('button', { name: 'Я ученик, это моя учётная запись' }).click();
      await notice.waitFor({ state: 'detached' });
      await student.reload();
      await student.getByTestId('profile-name').waitFor();
      expect(await student.getByTestId('student-notice').count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('signs a second new parent up in another browser profile', async () => {
    const other = await newContext(browser);
    try {
      const second = await other.newPage();
      await second.goto(server.url);
      await registerParent(second, randomMobile(), { surname: 'Кузнецов', name: 'Андрей', patronymic: '' });
      expect(await second.getByTestId('profile-name').textContent()).toContain('Андрей');
    } finally {
      await other.close();
    }
  });
});
