import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/shared/domain.js';
import { AppError } from '../../src/shared/errors.js';
import type { FamilyView } from '../../src/shared/family/index.js';
import type { Bridge } from '../../src/shared/ipc.js';
import { App } from '../../src/renderer/src/App.js';
import { createI18n } from '../../src/renderer/src/i18n.js';
import { createFakeBridge } from './fakeBridge.js';

const T = '2026-11-28T10:00:00.000Z';
const TOKEN = 'A'.repeat(43);

function person(id: string, surname: string, name: string, extra: Partial<Profile> = {}): Profile {
  return {
    id,
    role: 'student',
    surname,
    name,
    patronymic: '',
    phone: null,
    email: null,
    birthDate: null,
    school: null,
    class: null,
    updatedAt: T,
    ...extra,
  };
}

const mom = person('p1', 'Петрова', 'Мария', { role: 'parent', phone: '+79000000002' });
const view: FamilyView = {
  children: [
    {
      profile: person('c1', 'Петров', 'Илья', {
        school: { id: 's1', name: 'Школа № 1' },
        class: { id: 'k1', name: '5 А' },
      }),
      confirmedAt: T,
      otherParents: [person('p2', 'Петров', 'Сергей', { role: 'parent' })],
    },
    {
      profile: person('c2', 'Петрова', 'Аня', {
        school: { id: 's2', name: 'Гимназия № 2' },
        class: { id: 'k2', name: '3 В' },
      }),
      confirmedAt: T,
      otherParents: [],
    },
  ],
  parents: [],
  history: [],
  invite: null,
  parentSlotsLeft: 0,
};

function renderAs(overrides: Partial<Bridge>) {
  const fake = createFakeBridge();
  const calls: string[] = [];
  const bridge: Bridge = {
    ...fake.bridge,
    profileGet: async () => mom,
    familyGet: async () => view,
    authSignOut: async () => {
      calls.push('signOut');
      return null;
    },
    ...overrides,
  };
  render(<App bridge={bridge} i18n={createI18n('ru')} />);
  return calls;
}

describe('the family screen', () => {
  beforeEach(() => {
    window.location.hash = '#/family';
  });
  afterEach(cleanup);

  it('lists the children grouped by school, each with class, status and the other parent', async () => {
    renderAs({});
    const groups = await screen.findAllByTestId('school-group');
    expect(groups.map((g) => g.textContent)).toEqual(['Школа № 1', 'Гимназия № 2']);
    const cards = screen.getAllByTestId('child-card');
    expect(cards[0]!.textContent).toContain('Класс 5 А');
    expect(cards[0]!.textContent).toContain('Регистрация подтверждена');
    expect(cards[0]!.textContent).toContain('Второй родитель: Петров Сергей');
    expect(cards[1]!.textContent).toContain('Второй родитель пока не подключён');
    expect(cards[0]!.getAttribute('href')).toBe('#/family/c1');
  });

  it('«Добавить ребёнка» checks the pasted link; the same-device refusal offers the three ways out', async () => {
    const calls = renderAs({
      familyPreviewInvite: async () => {
        throw new AppError('INVITE_SAME_DEVICE', 'same device');
      },
    });
    fireEvent.click(await screen.findByTestId('add-child'));
    fireEvent.change(screen.getByTestId('add-child-link'), {
      target: { value: 'https://example.ru/nothing' },
    });
    fireEvent.click(screen.getByTestId('add-child-open'));
    expect((await screen.findByRole('alert')).textContent).toContain('Ссылка-приглашение повреждена');

    fireEvent.change(screen.getByTestId('add-child-link'), {
      target: { value: `sferum-family://invite/${TOKEN}` },
    });
    fireEvent.click(screen.getByTestId('add-child-open'));
    const refusal = await screen.findByTestId('invite-same-device');
    expect(within(refusal).getByTestId('same-device-link')).toHaveProperty(
      'value',
      `http://127.0.0.1:1/invite/${TOKEN}`,
    );
    // The desktop app's own incognito: a separate local profile.
    within(refusal).getByTestId('way-profile');
    expect(within(refusal).queryByTestId('way-incognito')).toBeNull();
    fireEvent.click(within(refusal).getByTestId('way-sign-out'));
    await screen.findByTestId('invite-same-device');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls).toEqual(['signOut']);
  });

  it('the web version’s same-device refusal offers all three ways, incognito with its keys and the link', async () => {
    for (const language of ['ru', 'en'] as const) {
      const fake = createFakeBridge();
      const bridge: Bridge = {
        ...fake.bridge,
        appGetState: async () => {
          const state = await fake.bridge.appGetState();
          return { ...state, target: 'web', settings: { ...state.settings, language } };
        },
        profileGet: async () => mom,
        familyGet: async () => view,
        familyTakePendingInvite: async () => ({ token: TOKEN, kind: 'invite' as const }),
        familyPreviewInvite: async () => {
          throw new AppError('INVITE_SAME_DEVICE', 'same device');
        },
      };
      render(<App bridge={bridge} i18n={createI18n(language)} />);
      const refusal = await screen.findByTestId('invite-same-device');
      const ways = within(refusal)
        .getAllByRole('heading', { level: 3 })
        .map((h) => h.textContent);
      expect(ways).toEqual(
        language === 'ru'
          ? [
              'Открыть на другом устройстве или в другом браузере',
              'Открыть в режиме инкогнито',
              'Выйти из профиля ребёнка',
            ]
          : [
              'Open it on another device or in another browser',
              'Open it in an incognito window',
              'Sign the child out',
            ],
      );
      // The desktop app's separate profile has no place in a browser.
      expect(within(refusal).queryByTestId('way-profile')).toBeNull();
      const incognito = within(refusal).getByTestId('way-incognito');
      const keys = Array.from(incognito.querySelectorAll('.shortcut')).map((row) => row.textContent);
      expect(keys).toEqual([
        language === 'ru'
          ? 'Chrome, Edge, Яндекс БраузерCtrl+Shift+N'
          : 'Chrome, Edge, Yandex BrowserCtrl+Shift+N',
        'FirefoxCtrl+Shift+P',
        'Safari⌘Command+Shift+N',
      ]);
      expect(within(incognito).getByTestId('incognito-link')).toHaveProperty(
        'value',
        `http://127.0.0.1:1/invite/${TOKEN}`,
      );
      within(incognito).getByRole('button', { name: language === 'ru' ? 'Копировать' : 'Copy' });
      cleanup();
    }
  });

  it('a refused invite says why, in words', async () => {
    renderAs({
      familyTakePendingInvite: async () => ({ token: TOKEN, kind: 'invite' as const }),
      familyPreviewInvite: async () => {
        throw new AppError('INVITE_PARENT_LIMIT', 'limit');
      },
    });
    expect((await screen.findByTestId('invite-error')).textContent).toBe(
      'В профиле ребёнка уже есть два родителя. Третьего добавить нельзя.',
    );
  });

  it('speaks English too', async () => {
    const fake = createFakeBridge();
    const bridge: Bridge = {
      ...fake.bridge,
      appGetState: async () => {
        const state = await fake.bridge.appGetState();
        return { ...state, settings: { ...state.settings, language: 'en' } };
      },
      profileGet: async () => mom,
      familyGet: async () => view,
      familyTakePendingInvite: async () => ({ token: TOKEN, kind: 'invite' as const }),
      familyPreviewInvite: async () => {
        throw new AppError('INVITE_EXPIRED', 'expired');
      },
    };
    render(<App bridge={bridge} i18n={createI18n('en')} />);
    expect((await screen.findByTestId('invite-error')).textContent).toBe(
      'This invite link has expired. Ask your child to send a new one.',
    );
  });
});
