import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/shared/domain.js';
import type { Bridge } from '../../src/shared/ipc.js';
import { App } from '../../src/renderer/src/App.js';
import { createI18n } from '../../src/renderer/src/i18n.js';
import { createFakeBridge } from './fakeBridge.js';

const mom: Profile = {
  id: 'p1',
  role: 'parent',
  surname: 'Петрова',
  name: 'Мария',
  patronymic: '',
  phone: '+79000000002',
  email: null,
  birthDate: null,
  school: null,
  class: null,
  updatedAt: '2026-11-28T10:00:00.000Z',
};

async function openHelp(target: 'desktop' | 'web') {
  const fake = createFakeBridge();
  const bridge: Bridge = {
    ...fake.bridge,
    appGetState: async () => ({ ...(await fake.bridge.appGetState()), target }),
    profileGet: async () => mom,
  };
  render(<App bridge={bridge} i18n={createI18n('ru')} />);
  const link = await screen.findByRole('link', { name: 'info@sferum.ru' });
  return { fake, link };
}

/** Clicks as a person would and tells whether the page would have followed the link itself. */
function click(link: HTMLElement): boolean {
  let followed = false;
  const after = (event: Event) => {
    followed = !event.defaultPrevented;
    event.preventDefault(); // jsdom cannot follow a mailto: link anyway
  };
  window.addEventListener('click', after);
  fireEvent.click(link);
  window.removeEventListener('click', after);
  return followed;
}

describe('«Помощь»: the support address', () => {
  beforeEach(() => {
    window.location.hash = '#/help';
  });
  afterEach(cleanup);

  it('is a mailto: link beside «Написать письмо»; the desktop app opens it through the vetted openExternal', async () => {
    const { fake, link } = await openHelp('desktop');
    expect(link.getAttribute('href')).toBe('mailto:info@sferum.ru');
    expect(link.closest('.support-card')?.querySelector('button')?.textContent).toBe('Написать письмо');
    expect(click(link)).toBe(false);
    await Promise.resolve();
    expect(fake.calls).toContain('open:mailto:info@sferum.ru');
  });

  it('in the web version the browser follows the link to the mail program', async () => {
    const { fake, link } = await openHelp('web');
    expect(link.getAttribute('href')).toBe('mailto:info@sferum.ru');
    expect(click(link)).toBe(true);
    expect(fake.calls.filter((c) => c.startsWith('open:'))).toEqual([]);
  });
});
