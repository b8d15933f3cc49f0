import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../src/renderer/src/App.js';
import { createI18n } from '../../src/renderer/src/i18n.js';
import { createFakeBridge } from './fakeBridge.js';

function renderApp() {
  const fake = createFakeBridge();
  render(<App bridge={fake.bridge} i18n={createI18n('ru')} />);
  return fake;
}

async function requestCode(phone: string) {
  fireEvent.change(await screen.findByTestId('signin-phone'), { target: { value: phone } });
  fireEvent.click(screen.getByTestId('signin-submit'));
  return screen.findByTestId('signin-code');
}

describe('sign-in', () => {
  beforeEach(() => {
    window.location.hash = '';
  });
  afterEach(cleanup);

  it('registers a new parent: phone, code (a wrong one first), then surname, name and patronymic', async () => {
    const fake = renderApp();
    const phone = await screen.findByLabelText('Номер телефона');
    fireEvent.change(phone, { target: { value: '8 (912) 345-67-89' } });
    expect(phone).toHaveProperty('value', '912 345-67-89');
    fireEvent.click(screen.getByTestId('signin-submit'));

    const codeInput = await screen.findByTestId('signin-code');
    expect(codeInput.getAttribute('autocomplete')).toBe('one-time-code');
    expect(codeInput.getAttribute('inputmode')).toBe('numeric');
    expect(screen.getByTestId('demo-code').textContent).toBe(fake.code);
    screen.getByText(/Отправить код ещё раз можно через \d+ с/);

    fireEvent.change(codeInput, { target: { value: '00000000' } });
    fireEvent.click(screen.getByTestId('signin-submit'));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Код не подходит. Проверьте цифры из SMS и попробуйте ещё раз.',
    );

    fireEvent.click(screen.getByRole('button', { name: 'Подставить код' }));
    fireEvent.click(screen.getByTestId('signin-submit'));

    fireEvent.change(await screen.findByLabelText('Фамилия'), { target: { value: 'Иванова' } });
    fireEvent.change(screen.getByLabelText('Имя'), { target: { value: 'Мария' } });
    fireEvent.change(screen.getByLabelText('Отчество'), { target: { value: 'Петровна' } });
    fireEvent.click(screen.getByTestId('signin-submit'));

    expect((await screen.findByTestId('profile-name')).textContent).toBe('Мария Иванова');
    expect(screen.getByTestId('menu-family').textContent).toBe('Семья');
    expect(screen.getByTestId('menu-documents').textContent).toBe('Мои документы');
    expect(screen.getByTestId('menu-settings').textContent).toBe('Настройки');
    expect(screen.getByTestId('menu-help').textContent).toBe('Помощь');
    await screen.findByRole('heading', { name: 'Иванова Мария Петровна' });
  });

  it('signs a known student straight in from a demo account, and shows the school and class', async () => {
    renderApp();
    fireEvent.click(await screen.findByRole('button', { name: /Ученик 5 А/ }));
    expect(screen.getByTestId('signin-phone')).toHaveProperty('value', '900 000-00-01');
    fireEvent.click(screen.getByTestId('signin-submit'));
    fireEvent.click(await screen.findByRole('button', { name: 'Подставить код' }));
    fireEvent.click(screen.getByTestId('signin-submit'));

    expect((await screen.findByTestId('profile-name')).textContent).toBe('Пётр Иванов');
    await screen.findByText('Школа № 1');
    screen.getByText('5 А');
    screen.getByText('+7 900 ***-**-01');
  });

  it('refuses a number that is not a Russian mobile in place, without asking the backend', async () => {
    const fake = renderApp();
    fireEvent.change(await screen.findByTestId('signin-phone'), { target: { value: '123' } });
    fireEvent.click(screen.getByTestId('signin-submit'));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Проверьте номер/);
    expect(screen.queryByTestId('signin-code')).toBeNull();
    expect(fake.calls.filter((call) => call.startsWith('authRequestCode:'))).toEqual([]);
  });

  it('tells a long wait for a new code in hours, not thousands of seconds', async () => {
    const fake = createFakeBridge();
    const requestCode = fake.bridge.authRequestCode;
    fake.bridge.authRequestCode = async (input) => ({ ...(await requestCode(input)), resendAfter: 4 * 3600 });
    render(<App bridge={fake.bridge} i18n={createI18n('ru')} />);
    fireEvent.change(await screen.findByTestId('signin-phone'), { target: { value: '+7 900 000-00-01' } });
    fireEvent.click(screen.getByTestId('signin-submit'));
    await screen.findByText('Отправить код ещё раз можно через 4 ч');
  });

  it('shows the offline state, then returns to sign-in with the reason when the session ends', async () => {
    const fake = renderApp();
    await requestCode('+7 900 000-00-01');
    fireEvent.change(screen.getByTestId('signin-code'), { target: { value: fake.code } });
    fireEvent.click(screen.getByTestId('signin-submit'));
    await screen.findByTestId('profile-name');

    act(() =>
      fake.setStatus({
        state: 'offline',
        pending: 2,
        lastSyncAt: null,
        lastError: { code: 'NETWORK_OFFLINE', message: 'offline' },
        nextRetryAt: new Date(Date.now() + 5000).toISOString(),
      }),
    );
    const indicator = await screen.findByTestId('sync-indicator');
    await screen.findByText('Нет сети — изменения сохранятся и отправятся позже');
    expect(indicator.textContent).toMatch(/Ожидают отправки: 2/);
    expect(indicator.textContent).toMatch(/Повтор через \d с/);

    act(() => fake.endSession());
    await screen.findByTestId('signin-phone');
    expect(screen.getByRole('alert').textContent).toMatch(/Сеанс завершён на другом устройстве/);
  });

  it('switches the language and keeps the choice through settingsUpdate', async () => {
    const fake = renderApp();
    fireEvent.click(await screen.findByRole('radio', { name: 'English' }));
    await screen.findByRole('heading', { name: 'Enter your phone number' });
    expect(fake.calls).toContain('settingsUpdate:{"language":"en"}');
  });
});
