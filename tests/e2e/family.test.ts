import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SECOND_SCHOOL } from '../../src/server/demo.js';
import { createStudent, inviteStudentByEmail, schoolContextOf } from '../../src/server/family/school.js';
import { signInByPhone } from '../../src/server/testing.js';
import { createTestCore, signInAs, type TestCore } from '../helpers/core.js';
import { confirm, freshPhone, newStudent } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { seriousA11yViolations } from './a11y.js';
import { enterCode, enterName, enterPhoneAndGetCode, randomMobile } from './flows.js';
import {
  type DesktopTarget,
  ensureRendererBuilt,
  launchChromium,
  newContext,
  openDesktopTarget,
  RENDERER_DIR,
  screenshot,
} from './harness.js';

const LIVE = { timeout: 30_000 };

/**
 * The memo's family flow end to end: a student on the desktop app, parents in the web
 * version (and in a second local profile of the same desktop app), one real server.
 */
describe('family, end to end', () => {
  let server: TestServer;
  let browser: Browser;
  let desktop: DesktopTarget;
  let parentContext: BrowserContext;
  let parent: Page;
  const kid = { surname: 'Соколов', name: 'Артём', patronymic: 'Игоревич' };
  let student: { id: string; phone: string };
  let inviteUrl = '';
  let appUrl = '';
  const cores: TestCore[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    server = await startTestServer({ config: { webDir: RENDERER_DIR } });
    student = await newStudent(server, kid);
    browser = await launchChromium();
    desktop = await openDesktopTarget(browser, { serverUrl: server.url });
    parentContext = await newContext(browser);
    parent = await parentContext.newPage();
  });

  afterAll(async () => {
    for (const c of cores) await c.dispose();
    await desktop?.close();
    await desktop?.testCore.dispose();
    await browser?.close();
    await server?.close();
  });

  it('the memo flow: the student copies the link; a parent opens it on the web, signs in, corrects the patronymic, confirms; both see each other', async () => {
    // The student signs in on the desktop app and finds the link in their profile.
    const page = desktop.page;
    const code = await enterPhoneAndGetCode(page, student.phone.slice(2));
    await enterCode(page, code);
    await page.getByTestId('profile-name').waitFor(LIVE);
    await page.getByTestId('menu-profile').click();
    const url = page.getByTestId('invite-url');
    await expect.poll(() => url.inputValue(), LIVE).toContain('/invite/');
    inviteUrl = await url.inputValue();
    appUrl = await page.getByTestId('invite-app-url').inputValue();
    expect(appUrl).toMatch(/^sferum-family:\/\/invite\/[A-Za-z0-9_-]{43}$/);
    await page.getByTestId('parent-slots').waitFor();
    await page.getByTestId('invite-card').scrollIntoViewIfNeeded();
    await screenshot(page, 'family-desktop-student-link');
    expect(await seriousA11yViolations(page), 'student link').toEqual([]);

    // A parent opens it in the web version: sign in first, then back to the invite.
    await parent.goto(inviteUrl);
    await parent.getByTestId('invite-signin-notice').waitFor(LIVE);
    await screenshot(parent, 'family-web-invite-signin');
    const parentCode = await enterPhoneAndGetCode(parent, randomMobile());
    await enterCode(parent, parentCode);
    await parent.getByText('Как вас зовут?').waitFor(LIVE);
    await enterName(parent, { surname: 'Соколова', name: 'Елена', patronymic: 'Викторовна' });
    await parent.getByTestId('invite-screen').waitFor(LIVE);
    await expect.poll(() => parent.getByTestId('invite-school').textContent(), LIVE).toContain('Школа № 1');
    expect(await parent.getByLabel('Фамилия').inputValue()).toBe('Соколов');
    await parent.getByLabel('Отчество').fill('Игоревич-Младший');
    await screenshot(parent, 'family-web-invite-preview');
    expect(await seriousA11yViolations(parent), 'invite preview').toEqual([]);
    await parent.getByTestId('invite-confirm').click();
    await parent.getByTestId('invite-done').waitFor(LIVE);
    await screenshot(parent, 'family-web-invite-done');
    await parent.getByTestId('invite-open-family').click();
    await parent.getByTestId('child-profile').waitFor(LIVE);
    await parent.getByText('Соколов Артём Игоревич-Младший').first().waitFor(LIVE);
    await screenshot(parent, 'family-web-child-profile');

    // The student's app shows the parent, live, and the corrected patronymic.
    await page.getByTestId('family-notices').getByText('Соколова Елена').waitFor(LIVE);
    await page.getByTestId('menu-family').click();
    await page.getByTestId('student-parents').getByText('Соколова Елена Викторовна').waitFor(LIVE);
    await screenshot(page, 'family-desktop-notice');
    await page.getByTestId('family-notices').getByRole('button').click();
    await page.getByTestId('family-history').getByText('Соколова Елена').waitFor(LIVE);
    await page.getByTestId('menu-profile').click();
    await page.getByRole('heading', { name: 'Соколов Артём Игоревич-Младший' }).waitFor(LIVE);
    await page.getByTestId('menu-family').click();
    await page.getByTestId('student-parents').waitFor(LIVE);
    await screenshot(page, 'family-desktop-student-parents');
  });

  it('a second child from another school: pasted into «Добавить ребёнка»; the family is grouped by school', async () => {
    const second = await createStudent(schoolContextOf(server.server.context), {
      surname: 'Соколова',
      name: 'Вера',
      patronymic: 'Игоревна',
      school: DEMO_SECOND_SCHOOL,
      className: '3 В',
      phone: freshPhone('988'),
      birthDate: '2016-02-03',
    });
    const core = await createTestCore({ serverUrl: server.url });
    cores.push(core);
    await signInAs(core.core, second.phone!);
    const invite = await core.core.family.issueInvite();

    await parent.getByTestId('menu-family').click();
    await parent.getByTestId('child-card').first().waitFor(LIVE);
    await parent.getByTestId('add-child').click();
    await parent.getByTestId('add-child-link').fill(invite.url);
    await screenshot(parent, 'family-web-add-child');
    await parent.getByTestId('add-child-open').click();
    await expect
      .poll(() => parent.getByTestId('invite-school').textContent(), LIVE)
      .toContain(DEMO_SECOND_SCHOOL);
    await parent.getByTestId('invite-confirm').click();
    await parent.getByTestId('invite-done').waitFor(LIVE);
    await parent.getByTestId('invite-open-family').click();
    await parent.getByTestId('menu-family').click();
    await expect.poll(() => parent.getByTestId('child-card').count(), LIVE).toBe(2);
    const schools = await parent.getByTestId('school-group').allTextContents();
    expect(schools).toEqual(expect.arrayContaining(['Школа № 1 г. Москвы', DEMO_SECOND_SCHOOL]));
    await screenshot(parent, 'family-web-two-schools');
    expect(await seriousA11yViolations(parent), 'family').toEqual([]);

    // Leaving a child's profile takes a confirmation; the child's history records it.
    await parent.getByTestId('child-card').filter({ hasText: 'Соколова Вера' }).click();
    await parent.getByTestId('child-profile').waitFor(LIVE);
    await parent.getByTestId('leave').click();
    await parent.getByTestId('leave-confirm').waitFor();
    await screenshot(parent, 'family-web-leave-confirm');
    expect(await seriousA11yViolations(parent), 'leave').toEqual([]);
    await parent.getByTestId('leave-confirm').click();
    await expect.poll(() => parent.getByTestId('child-card').count(), LIVE).toBe(1);
    await expect
      .poll(() => core.core.family.get().history.map((e) => e.action), LIVE)
      .toEqual(['joined', 'left']);
  });

  it('the same-device refusal, and the separate-profile way out', async () => {
    const page = desktop.page;
    // The link opened where the child is signed in (the app link, as the system hands it over).
    desktop.testCore.core.family.openLink(appUrl);
    await page.getByTestId('invite-same-device').waitFor(LIVE);
    expect(await page.getByTestId('same-device-link').inputValue()).toBe(inviteUrl);
    await screenshot(page, 'family-desktop-same-device');
    expect(await seriousA11yViolations(page), 'same device').toEqual([]);

    // Way out 2: a separate profile on this computer; the invite moves there.
    await page.getByTestId('way-profile').click();
    await page.getByTestId('invite-signin-notice').waitFor(LIVE);
    await screenshot(page, 'family-desktop-new-profile-signin');
    const code = await enterPhoneAndGetCode(page, randomMobile());
    await enterCode(page, code);
    await page.getByText('Как вас зовут?').waitFor(LIVE);
    await enterName(page, { surname: 'Соколов', name: 'Игорь', patronymic: 'Петрович' });
    await page.getByTestId('invite-screen').waitFor(LIVE);
    await page.getByTestId('invite-confirm').click();
    await page.getByTestId('invite-done').waitFor(LIVE);
    await screenshot(page, 'family-desktop-second-parent-done');

    // Two clicks back to the child's profile, which stayed signed in.
    await page.getByTestId('account-switcher').click();
    await screenshot(page, 'family-desktop-profiles');
    await page.getByRole('menuitemradio', { name: /Соколов Артём/ }).click();
    await expect.poll(() => page.getByTestId('profile-name').textContent(), LIVE).toContain('Артём');
    await page.getByTestId('menu-family').click();
    await expect.poll(() => page.getByTestId('student-parents').locator('li').count(), LIVE).toBe(2);
    await page.getByTestId('parent-slots').getByText('оба родителя').waitFor(LIVE);
    await screenshot(page, 'family-desktop-two-parents');
  });

  it('a third parent is refused with a clear message', async () => {
    const context = await newContext(browser);
    try {
      const third = await context.newPage();
      await third.goto(inviteUrl);
      const code = await enterPhoneAndGetCode(third, randomMobile());
      await enterCode(third, code);
      await third.getByText('Как вас зовут?').waitFor(LIVE);
      await enterName(third, { surname: 'Третьякова', name: 'Анна', patronymic: '' });
      await third.getByTestId('invite-refused').waitFor(LIVE);
      await expect
        .poll(() => third.getByTestId('invite-error').textContent())
        .toContain('уже есть два родителя');
      await screenshot(third, 'family-web-third-parent');
    } finally {
      await context.close();
    }
    // The same rule holds for a direct request.
    const fourth = await signInByPhone(server, freshPhone('999'));
    const token = inviteUrl.split('/invite/')[1]!;
    const refused = await confirm(server, fourth, token, kid);
    expect(refused.body.code).toBe('INVITE_PARENT_LIMIT');
  });

  it('a primary-school student completes the school’s e-mail registration in the web version', async () => {
    const invited = await inviteStudentByEmail(schoolContextOf(server.server.context), {
      surname: 'Белова',
      name: 'Лиза',
      patronymic: 'Андреевна',
      school: 'Школа № 1 г. Москвы',
      className: '2 Б',
      email: `liza.${Date.now()}@example.ru`,
    });
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/register/${invited.token}`);
      await page.getByText('Регистрация ученика').waitFor(LIVE);
      await screenshot(page, 'family-web-email-registration');
      expect(await seriousA11yViolations(page), 'e-mail registration').toEqual([]);
      await page.getByRole('button', { name: 'Продолжить' }).click();
      await expect.poll(() => page.getByTestId('profile-name').textContent(), LIVE).toContain('Лиза');
      expect(new URL(page.url()).search).toBe('');
    } finally {
      await context.close();
    }
  });
});
