import type { Page } from 'playwright-core';
import type { PersonName } from '../../src/shared/domain.js';

/** What a parent does on the sign-in screen, step by step, by what they see. */

export async function enterPhoneAndGetCode(page: Page, phone: string): Promise<string> {
  await page.getByTestId('signin-phone').fill(phone);
  await page.getByTestId('signin-submit').click();
  const demoCode = page.getByTestId('demo-code');
  await demoCode.waitFor();
  return ((await demoCode.textContent()) ?? '').replace(/\D/g, '');
}

export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByTestId('signin-code').fill(code);
  await page.getByTestId('signin-submit').click();
}

export async function enterName(page: Page, name: PersonName): Promise<void> {
  await page.getByLabel('Фамилия').fill(name.surname);
  await page.getByLabel('Имя', { exact: true }).fill(name.name);
  await page.getByLabel('Отчество').fill(name.patronymic);
  await page.getByTestId('signin-submit').click();
}

/** Signs a new parent up by phone with the code the demo server shows; ends on the signed-in shell. */
export async function registerParent(page: Page, phone: string, name: PersonName): Promise<void> {
  const code = await enterPhoneAndGetCode(page, phone);
  await enterCode(page, code);
  await page.getByText('Как вас зовут?').waitFor();
  await enterName(page, name);
  await page.getByTestId('profile-name').waitFor();
}

export function randomMobile(): string {
  return `9${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
}
