import type { Browser, BrowserContext, Page } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../../src/shared/api.js';
import {
  createClass,
  createSchool,
  createStudent,
  createTeacher,
  schoolContextOf,
} from '../../src/server/family/school.js';
import { signInByPhone } from '../../src/server/testing.js';
import { confirm, freshPhone, issueInvite } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { seriousA11yViolations } from './a11y.js';
import {
  type DesktopTarget,
  ensureRendererBuilt,
  launchChromium,
  newContext,
  openDesktopTarget,
  RENDERER_DIR,
  screenshot,
} from './harness.js';
import { enterCode, enterPhoneAndGetCode } from './flows.js';

/**
 * «Сообщения» in Chromium on both targets against one real server: a class teacher in the
 * web version and a parent in the desktop app (the real core) talk live in the class chat,
 * the parent confirms an announcement and the teacher sees who has, the search finds a
 * message, the menu's badge counts what is unread, and the composer refuses an empty
 * message and one over 4000 characters. Screens in Russian and English, light and dark.
 */

const SCHOOL = 'Гимназия № 3';
const TRIP = 'Завтра едем в музей, сбор в 8:30 у школы.\nПамятка: https://example.org/trip';
const REPLY = 'Спасибо, будем вовремя!';
const MEETING = 'Родительское собрание в четверг в 18:00, кабинет 12.';

describe('chats on both targets', () => {
  let server: TestServer;
  let browser: Browser;
  let webContext: BrowserContext;
  let teacher: Page;
  let desktop: DesktopTarget;
  let parent: Page;
  let parentAccount: SignedIn;
  let teacherPhone: string;

  async function signInOnPage(page: Page, phone: string): Promise<void> {
    const code = await enterPhoneAndGetCode(page, phone.slice(2));
    await enterCode(page, code);
    await page.getByTestId('profile-name').waitFor();
  }

  async function openChat(page: Page, kind: 'class' | 'announcements'): Promise<void> {
    await page.getByTestId('menu-chats').click();
    await page.locator(`[data-testid="chat-item"][data-kind="${kind}"]`).click();
    await page.getByTestId('timeline').waitFor();
    await expect.poll(() => page.getByTestId('timeline').getAttribute('aria-busy')).toBe('false');
  }

  const row = (page: Page, text: string) =>
    page.locator('[data-testid="message-row"]', { hasText: text }).last();

  beforeAll(async () => {
    ensureRendererBuilt();
    server = await startTestServer({ config: { webDir: RENDERER_DIR } });
    const sc = schoolContextOf(server.server.context);
    await createSchool(sc, SCHOOL);
    await createClass(sc, SCHOOL, '5 А', null);
    teacherPhone = freshPhone('951');
    await createTeacher(sc, {
      surname: 'Смирнова',
      name: 'Ольга',
      patronymic: 'Викторовна',
      school: SCHOOL,
      className: '5 А',
      phone: teacherPhone,
    });
    const kidPhone = freshPhone('952');
    await createStudent(sc, {
      surname: 'Петров',
      name: 'Илья',
      patronymic: '',
      school: SCHOOL,
      className: '5 А',
      phone: kidPhone,
      birthDate: '2014-02-03',
    });
    const kid = await signInByPhone(server, kidPhone);
    const parentPhone = freshPhone('953');
    parentAccount = await signInByPhone(server, parentPhone, {
      name: { surname: 'Петрова', name: 'Мария' },
    });
    const invite = await issueInvite(server, kid);
    const linked = await confirm(server, parentAccount, invite.token, {
      surname: 'Петров',
      name: 'Илья',
      birthDate: '2014-02-03',
    });
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);

    browser = await launchChromium();
    webContext = await newContext(browser);
    teacher = await webContext.newPage();
    await teacher.goto(server.url);
    await signInOnPage(teacher, teacherPhone);
    desktop = await openDesktopTarget(browser, { serverUrl: server.url });
    parent = desktop.page;
    await parent.getByTestId('signin-phone').waitFor();
    await signInOnPage(parent, parentPhone);
  }, 120_000);

  afterAll(async () => {
    await desktop?.close();
    await desktop?.testCore.dispose();
    await browser?.close();
    await server?.close();
  });

  it('a teacher (web) and a parent (desktop) talk live; the menu counts what is unread', async () => {
    await openChat(teacher, 'class');
    expect(await teacher.getByTestId('chat-title').textContent()).toBe('Чат родителей 5 А');
    const input = teacher.getByTestId('composer-input');
    await input.fill(TRIP);
    await input.press('Enter');
    await row(teacher, 'сбор в 8:30').waitFor();
    await expect.poll(() => input.inputValue()).toBe('');

    // The parent's menu shows the new message without a reload.
    const badge = parent.getByTestId('chats-badge');
    await badge.waitFor({ timeout: 15_000 });
    expect(await badge.textContent()).toContain('1');
    await parent.getByTestId('menu-chats').click();
    const item = parent.locator('[data-testid="chat-item"][data-kind="class"]');
    await expect.poll(() => item.getByTestId('chat-unread').textContent()).toContain('1');
    expect(await item.textContent()).toContain('Смирнова Ольга');
    await screenshot(parent, 'chats-desktop-list');
    expect(await seriousA11yViolations(parent), 'list').toEqual([]);

    await openChat(parent, 'class');
    const message = row(parent, 'сбор в 8:30');
    await message.waitFor();
    // Line breaks stay, the link is a link, and nothing of the text became markup.
    expect(await message.getByTestId('message-text').innerText()).toContain('у школы.\nПамятка:');
    const link = message.getByRole('link', { name: 'https://example.org/trip' });
    expect(await link.getAttribute('href')).toBe('https://example.org/trip');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    // Shown on screen, so read: the badge goes.
    await badge.waitFor({ state: 'detached', timeout: 15_000 });

    await parent.getByTestId('composer-input').fill(REPLY);
    await parent.getByTestId('composer-input').press('Enter');
    await row(parent, REPLY).waitFor();
    await row(teacher, REPLY).waitFor({ timeout: 15_000 });
    // The teacher's message was read by the one other member.
    await expect
      .poll(() => row(teacher, 'сбор в 8:30').getByTestId('status').textContent(), { timeout: 15_000 })
      .toBe('Прочитали 1 из 1');
    await screenshot(parent, 'chats-desktop-chat');
    expect(await seriousA11yViolations(parent), 'desktop chat').toEqual([]);

    await parent.getByTestId('menu-chats').click();
    await parent.getByTestId('chats').getByText(`Вы: ${REPLY}`).waitFor();
  });

  it('a file dropped onto the chat goes to «Мои документы» and is attached to the message', async () => {
    await openChat(teacher, 'class');
    const dt = await teacher.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['Форма заявления на экскурсию'], 'Заявление.txt', { type: 'text/plain' }));
      return transfer;
    });
    await teacher.dispatchEvent('main', 'dragenter', { dataTransfer: dt });
    await teacher.dispatchEvent('main', 'dragover', { dataTransfer: dt });
    // The chat keeps the drop (the app does not switch to «Мои документы»).
    await teacher.getByTestId('drop-overlay').waitFor();
    await teacher.dispatchEvent('main', 'drop', { dataTransfer: dt });
    await teacher.getByTestId('drop-overlay').waitFor({ state: 'detached' });
    const attached = teacher.getByTestId('attachments');
    await attached.getByText('Заявление.txt').waitFor({ timeout: 20_000 });
    expect(await teacher.getByTestId('chat-title').textContent()).toBe('Чат родителей 5 А');
    await screenshot(teacher, 'chats-web-attached');
    expect(await seriousA11yViolations(teacher), 'attached').toEqual([]);
    await teacher.getByTestId('composer-input').fill('Заявление во вложении.');
    await teacher.getByTestId('composer-input').press('Enter');
    await row(teacher, 'Заявление во вложении.').waitFor();
    await expect.poll(() => attached.count()).toBe(0);
    await openChat(parent, 'class');
    const received = row(parent, 'Заявление во вложении.');
    await received.waitFor({ timeout: 15_000 });
    // The file travels with the message: its name and size on the parent's screen.
    await received.getByText('Заявление.txt').waitFor({ timeout: 15_000 });
    await screenshot(parent, 'chats-desktop-attachment');
  });

  it('replies with a quote, edits and deletes one’s own message, and reports another’s', async () => {
    await openChat(teacher, 'class');
    const theirs = row(teacher, REPLY);
    await theirs.locator('article').hover();
    await theirs.getByRole('button', { name: 'Ответить' }).click();
    await teacher.getByText('Ответ: Петрова Мария').waitFor();
    // Escape leaves the reply; the reply starts again from the message.
    await teacher.keyboard.press('Escape');
    await teacher.getByText('Ответ: Петрова Мария').waitFor({ state: 'detached' });
    await theirs.locator('article').hover();
    await theirs.getByRole('button', { name: 'Ответить' }).click();
    await teacher.getByTestId('composer-input').fill('Ждём!');
    await teacher.getByTestId('composer-input').press('Enter');
    const mine = row(teacher, 'Ждём!');
    await mine.locator('.chat-quote', { hasText: REPLY }).waitFor();

    await mine.locator('article').hover();
    await mine.getByRole('button', { name: 'Изменить' }).click();
    const input = teacher.getByTestId('composer-input');
    await expect.poll(() => input.inputValue()).toBe('Ждём!');
    await input.fill('Ждём у входа!');
    await input.press('Enter');
    const edited = row(teacher, 'Ждём у входа!');
    await edited.getByText('изменено').waitFor();
    await row(parent, 'Ждём у входа!').getByText('изменено').waitFor({ timeout: 15_000 });

    await edited.locator('article').hover();
    await edited.getByRole('button', { name: 'Удалить' }).click();
    await edited.getByTestId('confirm-delete').click();
    await teacher.getByText('Сообщение удалено').first().waitFor();
    await parent.getByText('Сообщение удалено').first().waitFor({ timeout: 15_000 });

    await theirs.locator('article').hover();
    await theirs.getByRole('button', { name: 'Пожаловаться' }).click();
    const dialog = teacher.getByTestId('report-dialog');
    await dialog.getByTestId('report-reason').fill('Проверка жалобы: сообщение не по теме.');
    await screenshot(teacher, 'chats-web-report');
    expect(await seriousA11yViolations(teacher), 'report').toEqual([]);
    await dialog.getByRole('button', { name: 'Отправить жалобу' }).click();
    await teacher.getByText('Жалоба отправлена администрации школы.').waitFor();
  });

  it('refuses an empty message and one over 4000 characters, and keeps what was typed', async () => {
    await openChat(parent, 'class');
    const input = parent.getByTestId('composer-input');
    const send = parent.getByTestId('send');
    const rows = await parent.getByTestId('message-row').count();
    await input.fill('   \n  ');
    expect(await send.isDisabled()).toBe(true);
    await input.press('Enter');
    await parent.getByText('Сообщение пустое: напишите хотя бы одно слово.').waitFor();

    const long = 'а'.repeat(4001);
    await input.fill(long);
    const sentence = parent.getByTestId('too-long');
    await sentence.waitFor();
    expect(await sentence.textContent()).toContain('можно не больше 4000 символов, уберите ещё 1');
    expect(await send.isDisabled()).toBe(true);
    await input.press('Enter');
    expect(await input.inputValue()).toBe(long);
    expect(await parent.getByTestId('message-row').count()).toBe(rows);
    await screenshot(parent, 'chats-desktop-too-long');
    expect(await seriousA11yViolations(parent), 'too long').toEqual([]);
    await input.fill('');
  });

  it('an announcement: the parent confirms «Ознакомлен(а)», the teacher sees who has', async () => {
    await openChat(teacher, 'announcements');
    await teacher.getByTestId('composer-input').fill(MEETING);
    await teacher.getByTestId('send').click();
    await row(teacher, MEETING).waitFor();

    await openChat(parent, 'announcements');
    // Parents read announcements; only teachers and administrators post.
    await parent.getByTestId('readonly').waitFor();
    expect(await parent.getByTestId('composer').count()).toBe(0);
    const announcement = row(parent, MEETING);
    await announcement.waitFor({ timeout: 15_000 });
    await announcement.getByTestId('ack').click();
    await announcement.getByTestId('acked').waitFor();
    await parent.getByTestId('chats-badge').waitFor({ state: 'detached', timeout: 15_000 });
    await screenshot(parent, 'chats-desktop-announcement');
    expect(await seriousA11yViolations(parent), 'announcement').toEqual([]);

    await row(teacher, MEETING).getByTestId('acks').click();
    const dialog = teacher.getByTestId('acks-dialog');
    await expect.poll(() => dialog.getByTestId('acks-done').textContent()).toContain('Петрова Мария');
    await screenshot(teacher, 'chats-web-acks');
    expect(await seriousA11yViolations(teacher), 'acks').toEqual([]);
    await teacher.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('the search finds a message, shows the match and opens the chat at it', async () => {
    await parent.getByTestId('menu-chats').click();
    await parent.getByTestId('chat-search').fill('музей');
    const hit = parent.getByTestId('search-hit').first();
    await hit.waitFor({ timeout: 15_000 });
    expect((await hit.locator('mark').first().textContent())?.toLowerCase()).toContain('музе');
    expect(await hit.textContent()).toContain('Чат родителей 5 А');
    await screenshot(parent, 'chats-desktop-search');
    expect(await seriousA11yViolations(parent), 'search').toEqual([]);
    await hit.click();
    await parent.locator('.chat-msg-hit', { hasText: 'сбор в 8:30' }).waitFor();
  });

  it('shows the chat in Russian and English, light and dark', async () => {
    for (const language of ['ru', 'en'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await teacher.getByTestId('menu-settings').click();
        await teacher
          .getByRole('radio', { name: language === 'ru' ? 'Русский' : 'English' })
          .first()
          .check();
        const themeName = {
          ru: { light: 'Светлое', dark: 'Тёмное' },
          en: { light: 'Light', dark: 'Dark' },
        }[language][theme];
        await teacher.getByRole('radio', { name: themeName, exact: true }).check();
        await expect.poll(() => teacher.evaluate('document.documentElement.dataset.theme')).toBe(theme);
        await openChat(teacher, 'class');
        await row(teacher, REPLY).waitFor();
        await screenshot(teacher, `chats-${language}-${theme}-chat`);
        expect(await seriousA11yViolations(teacher), `chat ${language} ${theme}`).toEqual([]);
      }
    }
    // At 200% zoom (half the width and height): one pane, still readable.
    await teacher.setViewportSize({ width: 640, height: 400 });
    await teacher.getByTestId('composer-input').waitFor();
    await screenshot(teacher, 'chats-en-dark-zoom200');
    expect(
      await teacher.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'),
    ).toBe(true);
    await teacher.setViewportSize({ width: 1280, height: 800 });
  });

  it('«Написать учителю» opens a direct chat with the class teacher, and the message arrives', async () => {
    await parent.getByTestId('menu-chats').click();
    await parent.getByTestId('chat-search').fill('');
    await parent.getByTestId('write-to-teacher').click();
    const contact = parent.getByTestId('contact').filter({ hasText: 'Смирнова' }).first();
    await contact.waitFor();
    await screenshot(parent, 'chats-desktop-contacts');
    expect(await seriousA11yViolations(parent), 'contacts').toEqual([]);
    await contact.click();
    await parent.getByTestId('chat-view').waitFor();
    expect(await parent.getByTestId('chat-title').textContent()).toContain('Смирнова');
    await parent.getByTestId('composer-input').fill('Ольга Викторовна, можно уточнить про экскурсию?');
    await parent.getByTestId('composer-input').press('Enter');
    await row(parent, 'можно уточнить').waitFor();

    await teacher.getByTestId('menu-chats').click();
    const direct = teacher.locator('[data-testid="chat-item"][data-kind="direct"]');
    await expect
      .poll(() => direct.getByTestId('chat-unread').textContent(), { timeout: 15_000 })
      .toContain('1');
    await direct.click();
    await row(teacher, 'можно уточнить').waitFor();
    // Read on the teacher's screen: «Прочитано» on the parent's.
    await expect
      .poll(() => row(parent, 'можно уточнить').getByTestId('status').textContent(), { timeout: 15_000 })
      .toBe('Прочитано');
  });

  it('a long chat: few rows mounted, opens at the first unread, older messages come in on scroll up', async () => {
    const teacherAccount = await signInByPhone(server, teacherPhone);
    const call = async (who: SignedIn, path: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${who.tokens.accessToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(response.status, path).toBeLessThan(300);
      return (await response.json()) as { chats: { id: string; kind: string }[] };
    };
    const chatId = (await call(parentAccount, '/api/chats')).chats.find((c) => c.kind === 'class')!.id;
    const say = (who: SignedIn, text: string) =>
      call(who, `/api/chats/${chatId}/messages`, { clientId: randomBytes(12).toString('base64url'), text });
    for (let i = 1; i <= 25; i++) await say(parentAccount, `Вопрос родителя № ${i}`);
    for (let i = 1; i <= 25; i++) await say(teacherAccount, `Ответ учителя № ${i}\nВторая строка ответа.`);

    await parent.getByTestId('menu-chats').click();
    await parent.getByTestId('chat-search').fill('');
    await openChat(parent, 'class');
    // At the first unread message, under «Новые сообщения», on screen.
    const line = parent.getByTestId('unread-line');
    await line.waitFor();
    await screenshot(parent, 'chats-desktop-long-unread');
    const box = (await parent.getByTestId('timeline').boundingBox())!;
    const at = (await line.boundingBox())!;
    expect(at.y).toBeGreaterThanOrEqual(box.y - 1);
    expect(at.y).toBeLessThan(box.y + box.height);
    const mounted = await parent.getByTestId('message-row').count();
    expect(mounted).toBeGreaterThan(0);
    expect(mounted).toBeLessThan(25);

    // Scrolled up to the start, the older pages come in and the DOM stays small.
    const timeline = parent.getByTestId('timeline');
    const start = row(parent, 'сбор в 8:30');
    for (let i = 0; i < 50 && (await start.count()) === 0; i++) {
      await timeline.evaluate((el) => (el.scrollTop = 0));
      await parent.waitForTimeout(100);
    }
    await start.waitFor();
    expect(await parent.getByTestId('message-row').count()).toBeLessThan(25);
    await screenshot(parent, 'chats-desktop-long');
  });
});
