import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/shared/ipc.js';
import { App } from '../../src/renderer/src/App.js';
import { createI18n } from '../../src/renderer/src/i18n.js';
import { createFakeBridge } from './fakeBridge.js';

/** The fake bridge's student: +7 900 000-00-01, Пётр Иванов. */
async function signIn(fake: ReturnType<typeof createFakeBridge>, phone = '900 000-00-01') {
  fireEvent.change(await screen.findByTestId('signin-phone'), { target: { value: phone } });
  fireEvent.click(screen.getByTestId('signin-submit'));
  fireEvent.change(await screen.findByTestId('signin-code'), { target: { value: fake.code } });
  fireEvent.click(screen.getByTestId('signin-submit'));
}

function renderApp(bridge: Bridge, language: 'ru' | 'en' = 'ru') {
  render(<App bridge={bridge} i18n={createI18n(language)} />);
}

describe('signed in on a student’s account', () => {
  beforeEach(() => {
    window.location.hash = '';
    localStorage.clear();
  });
  afterEach(cleanup);

  it('says so on the first screen, with the memo’s advice, until the student says it is theirs', async () => {
    const fake = createFakeBridge();
    renderApp(fake.bridge);
    await signIn(fake);

    const notice = await screen.findByTestId('student-notice');
    expect(within(notice).getByRole('heading').textContent).toBe('Это учётная запись ученика: Пётр Иванов');
    expect(notice.textContent).toContain('Если вы родитель, выйдите и войдите по своему номеру телефона');
    expect(notice.textContent).toContain('не регистрируйте ребёнка на личный номер телефона родителя');
    expect(notice.textContent).toContain('info@sferum.ru');
    expect(screen.getByRole('region', { name: 'Это учётная запись ученика: Пётр Иванов' })).toBe(notice);

    // Only the button takes it away: not Escape, not moving to another screen.
    fireEvent.keyDown(notice, { key: 'Escape' });
    act(() => {
      window.location.hash = '#/help';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await screen.findByRole('heading', { level: 1, name: 'Помощь' });
    expect(screen.getByTestId('student-notice')).toBe(notice);

    fireEvent.click(within(notice).getByRole('button', { name: 'Я ученик, это моя учётная запись' }));
    expect(screen.queryByTestId('student-notice')).toBeNull();

    // The app opened again on the same session: still dismissed.
    cleanup();
    renderApp(fake.bridge);
    await screen.findByTestId('profile-name');
    expect(screen.queryByTestId('student-notice')).toBeNull();

    // A new sign-in on the student's number says it again, whoever dismissed it before.
    act(() => fake.endSession());
    await signIn(fake);
    await screen.findByTestId('student-notice');
  });

  it('«Выйти и войти как родитель» signs out to the sign-in by phone', async () => {
    const fake = createFakeBridge();
    const calls: string[] = [];
    renderApp({
      ...fake.bridge,
      authSignOut: async () => {
        calls.push('signOut');
        return fake.bridge.authSignOut();
      },
    });
    await signIn(fake);
    fireEvent.click(await screen.findByTestId('student-notice-sign-out'));
    await screen.findByTestId('signin-phone');
    expect(calls).toEqual(['signOut']);
    expect(screen.queryByTestId('student-notice')).toBeNull();
  });

  it('is never shown to a parent', async () => {
    const fake = createFakeBridge();
    renderApp(fake.bridge);
    await signIn(fake, '912 345-67-89');
    fireEvent.change(await screen.findByLabelText('Фамилия'), { target: { value: 'Иванова' } });
    fireEvent.change(screen.getByLabelText('Имя'), { target: { value: 'Мария' } });
    fireEvent.click(screen.getByTestId('signin-submit'));
    expect((await screen.findByTestId('profile-name')).textContent).toBe('Мария Иванова');
    expect(screen.queryByTestId('student-notice')).toBeNull();
  });

  it('speaks English too', async () => {
    const fake = createFakeBridge();
    renderApp(
      {
        ...fake.bridge,
        appGetState: async () => {
          const state = await fake.bridge.appGetState();
          return { ...state, settings: { ...state.settings, language: 'en' } };
        },
      },
      'en',
    );
    await signIn(fake);
    const notice = await screen.findByTestId('student-notice');
    expect(within(notice).getByRole('heading').textContent).toBe('This is a student’s account: Пётр Иванов');
    within(notice).getByRole('button', { name: 'Sign out and sign in as a parent' });
    within(notice).getByRole('button', { name: 'I am the student, this is my account' });
  });
});
