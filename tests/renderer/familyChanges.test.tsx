import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/shared/domain.js';
import type { ChildCard, FamilyView } from '../../src/shared/family/index.js';
import type { Bridge } from '../../src/shared/ipc.js';
import { App } from '../../src/renderer/src/App.js';
import { createI18n } from '../../src/renderer/src/i18n.js';
import { createFakeBridge } from './fakeBridge.js';

const T = '2026-11-28T10:00:00.000Z';
const TOKEN = 'B'.repeat(43);

function person(id: string, surname: string, name: string, extra: Partial<Profile> = {}): Profile {
  return {
    id,
    role: 'parent',
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

const mom = person('p1', 'Иванова', 'Анна', { phone: '+79000000002' });
const dad = person('p2', 'Петров', 'Олег');
const child = person('c1', 'Петров', 'Илья', { role: 'student', birthDate: '2015-02-02' });
const view: FamilyView = {
  children: [{ profile: child, confirmedAt: T, otherParents: [dad] }],
  parents: [],
  history: [
    {
      id: 'e1',
      childId: 'c1',
      action: 'joined',
      parentId: 'p1',
      parentName: 'Иванова Анна',
      actorName: 'Иванова Анна',
      at: T,
    },
    {
      id: 'e2',
      childId: 'c1',
      action: 'joined',
      parentId: 'p2',
      parentName: 'Петров Олег',
      actorName: 'Петров Олег',
      at: T,
    },
    {
      id: 'e3',
      childId: 'c1',
      action: 'changed',
      parentId: 'p2',
      parentName: 'Петров Олег',
      actorName: 'Петров Олег',
      at: T,
      changes: [
        { field: 'surname', from: 'Иванов', to: 'Петров' },
        { field: 'patronymic', from: null, to: 'Олегович' },
        { field: 'birthDate', from: '2015-02-01', to: '2015-02-02' },
      ],
    },
  ],
  invite: null,
  parentSlotsLeft: 0,
};

function renderWith(overrides: Partial<Bridge>, language: 'ru' | 'en' = 'ru') {
  const fake = createFakeBridge();
  const bridge: Bridge = {
    ...fake.bridge,
    appGetState: async () => {
      const state = await fake.bridge.appGetState();
      return { ...state, settings: { ...state.settings, language } };
    },
    profileGet: async () => mom,
    familyGet: async () => view,
    ...overrides,
  };
  render(<App bridge={bridge} i18n={createI18n(language)} />);
}

describe('a change of the child’s details on screen', () => {
  afterEach(cleanup);

  it('the child’s history says what changed, old → new, and which parent changed it', async () => {
    window.location.hash = '#/family/c1';
    renderWith({});
    const history = await screen.findByTestId('family-history');
    const lines = within(history)
      .getAllByRole('listitem')
      .map((li) => li.querySelector('.history-text')!.textContent);
    expect(lines).toEqual([
      'Данные изменил родитель Петров Олег: фамилия Иванов → Петров, отчество (не указано) → Олегович, дата рождения 01.02.2015 → 02.02.2015',
      'Подключён родитель: Петров Олег',
      'Подключён родитель: Иванова Анна',
    ]);
  });

  it('in English too', async () => {
    window.location.hash = '#/family/c1';
    renderWith({}, 'en');
    const history = await screen.findByTestId('family-history');
    expect(history.textContent).toContain(
      'Details changed by parent Петров Олег: surname Иванов → Петров, patronymic (not given) → Олегович, date of birth 1 Feb 2015 → 2 Feb 2015',
    );
  });

  it('a parent opening a link another parent has confirmed is told their corrections will be shown', async () => {
    window.location.hash = '#/family';
    // Let the hashchange pass first: it would close the invite screen that opens below.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const card: ChildCard = {
      id: 'c1',
      surname: 'Петров',
      name: 'Илья',
      patronymic: '',
      birthDate: '2015-02-02',
      school: null,
      class: null,
      parents: ['Иванова Анна'],
    };
    renderWith({
      familyTakePendingInvite: async () => ({ token: TOKEN, kind: 'invite' as const }),
      familyPreviewInvite: async () => card,
    });
    expect((await screen.findByTestId('invite-changes-shown')).textContent).toBe(
      'Эти данные уже подтверждены. Если вы что-то исправите, ребёнок и подключённые родители увидят, что именно и кем изменено.',
    );
  });
});
