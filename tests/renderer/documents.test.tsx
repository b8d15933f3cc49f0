import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/shared/domain.js';
import type { DocItem } from '../../src/shared/documents/ipc.js';
import type { Bridge } from '../../src/shared/ipc.js';
import { App } from '../../src/renderer/src/App.js';
import { createI18n } from '../../src/renderer/src/i18n.js';
import { createFakeBridge } from './fakeBridge.js';

const T = '2026-11-28T10:00:00.000Z';
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
  updatedAt: T,
};

function item(kind: DocItem['kind'], id: string, name: string, parentId: string | null = null): DocItem {
  return {
    kind,
    id,
    parentId,
    name,
    size: 1200,
    mime: 'application/pdf',
    updatedAt: T,
    trashedAt: null,
    offline: false,
  };
}

const ROOT = [
  item('folder', 'f1', 'Грамоты'),
  item('document', 'd1', 'Справка.pdf'),
  item('document', 'd2', 'Фото.jpg'),
];
const IN_FOLDER = [item('document', 'd3', 'Грамота 2025.pdf', 'f1')];

function renderDocuments() {
  const fake = createFakeBridge();
  const opened: string[] = [];
  const listed: (string | null)[] = [];
  const bridge: Bridge = {
    ...fake.bridge,
    profileGet: async () => mom,
    documentsList: async ({ folderId = null }) => {
      listed.push(folderId);
      const items = folderId === 'f1' ? IN_FOLDER : ROOT;
      const breadcrumbs = folderId === 'f1' ? [{ id: 'f1', name: 'Грамоты' }] : [];
      return { items, total: items.length, breadcrumbs, quota: null };
    },
    documentsCount: async ({ folderId = null }) => ({ total: folderId === 'f1' ? 1 : 3 }),
    documentsOpen: async ({ id }) => {
      opened.push(id);
      return null;
    },
  };
  render(<App bridge={bridge} i18n={createI18n('ru')} />);
  return { opened, listed };
}

const row = (name: string) => screen.getAllByTestId('document-row').find((r) => r.dataset.name === name)!;
const nameButton = (name: string) => row(name).querySelector<HTMLButtonElement>('.doc-open')!;
const selected = () =>
  screen
    .getAllByTestId('document-row')
    .filter((r) => r.getAttribute('aria-selected') === 'true')
    .map((r) => r.dataset.name);

describe('«Мои документы»: one click selects, Enter or a double-click opens', () => {
  beforeAll(() => {
    // jsdom has no layout: the list keeps its first, typical size.
    globalThis.ResizeObserver ??= class {
      observe() {}
      unobserve() {}
      disconnect() {}
    } as unknown as typeof ResizeObserver;
  });
  beforeEach(() => {
    window.location.hash = '#/documents';
  });
  afterEach(cleanup);

  it('a click on a document’s name selects its row visibly, with «Открыть» in words', async () => {
    const { opened } = renderDocuments();
    await screen.findByRole('grid', { name: 'Мои документы' });
    await screen.findByText('Справка.pdf');
    expect(selected()).toEqual([]);

    fireEvent.click(nameButton('Справка.pdf'));
    expect(selected()).toEqual(['Справка.pdf']);
    expect(row('Справка.pdf').querySelector('.doc-item')!.classList.contains('doc-selected')).toBe(true);
    const open = within(row('Справка.pdf')).getByRole('button', { name: 'Открыть: Справка.pdf' });
    expect(open.textContent).toBe('Открыть');
    expect(opened).toEqual([]);

    // Another click moves the selection; the open action opens the selected document.
    fireEvent.click(nameButton('Фото.jpg'));
    expect(selected()).toEqual(['Фото.jpg']);
    fireEvent.click(within(row('Фото.jpg')).getByRole('button', { name: 'Открыть: Фото.jpg' }));
    await Promise.resolve();
    expect(opened).toEqual(['d2']);
  });

  it('Enter and a double-click open; the arrow keys move the selection', async () => {
    const { opened } = renderDocuments();
    await screen.findByText('Справка.pdf');
    const first = nameButton('Справка.pdf');
    act(() => first.focus());
    expect(selected()).toEqual(['Справка.pdf']);
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(nameButton('Фото.jpg'));
    expect(selected()).toEqual(['Фото.jpg']);
    fireEvent.keyDown(nameButton('Фото.jpg'), { key: 'ArrowUp' });
    expect(selected()).toEqual(['Справка.pdf']);

    fireEvent.keyDown(first, { key: 'Enter' });
    fireEvent.mouseDown(nameButton('Фото.jpg'), { detail: 1 });
    fireEvent.click(nameButton('Фото.jpg'), { detail: 1 });
    fireEvent.mouseDown(nameButton('Фото.jpg'), { detail: 2 });
    fireEvent.click(nameButton('Фото.jpg'), { detail: 2 });
    fireEvent.doubleClick(nameButton('Фото.jpg'));
    await Promise.resolve();
    expect(opened).toEqual(['d1', 'd2']);
  });

  it('a folder opens with one click; a double-click there opens nothing inside it', async () => {
    const { opened, listed } = renderDocuments();
    await screen.findByText('Грамоты');
    fireEvent.mouseDown(nameButton('Грамоты'), { detail: 1 });
    fireEvent.click(nameButton('Грамоты'), { detail: 1 });
    await screen.findByText('Грамота 2025.pdf');
    expect(listed).toContain('f1');
    // The second click of the double-click lands on what is now under the pointer.
    fireEvent.mouseDown(nameButton('Грамота 2025.pdf'), { detail: 2 });
    fireEvent.click(nameButton('Грамота 2025.pdf'), { detail: 2 });
    fireEvent.doubleClick(nameButton('Грамота 2025.pdf'));
    await Promise.resolve();
    expect(opened).toEqual([]);
  });
});
