import { describe, expect, it } from 'vitest';
import { CoreEvents } from '../../src/main/core/events.js';
import { createNotifier, type NotificationScreen } from '../../src/main/core/notifier.js';
import type { UploadItem, UploadQueueState } from '../../src/shared/documents/ipc.js';

/** What a parent is told by native notifications, driven by the core's own events. */
function setup(
  options: { focused?: boolean; screen?: string; notifications?: boolean; language?: 'ru' | 'en' } = {},
) {
  const events = new CoreEvents({ info: () => {}, warn: () => {}, error: () => {} });
  const shown: { title: string; body: string; screen: NotificationScreen }[] = [];
  const state = { focused: options.focused ?? false, screen: options.screen ?? 'profile' };
  const stop = createNotifier({
    events,
    port: { show: (n) => void shown.push(n), windowFocused: () => state.focused },
    settings: () => ({ notifications: options.notifications ?? true, language: options.language ?? 'ru' }),
    currentScreen: () => state.screen,
    childName: (id) => (id === 'kid' ? 'Пётр Иванов' : null),
  });
  return { events, shown, state, stop };
}

function item(
  id: string,
  name: string,
  state: UploadItem['state'],
  error: UploadItem['error'] = null,
): UploadItem {
  return { id, name, size: 100, sent: state === 'done' ? 100 : 0, state, error, speed: 0 };
}

function queue(items: UploadItem[]): UploadQueueState {
  return {
    items,
    total: {
      files: items.length,
      done: items.filter((i) => i.state === 'done').length,
      failed: items.filter((i) => i.state === 'failed').length,
      bytes: 100 * items.length,
      sent: 0,
      speed: 0,
      secondsLeft: null,
    },
    offline: false,
  };
}

const joined = {
  id: 'e1',
  childId: 'kid',
  action: 'joined' as const,
  parentId: 'p2',
  parentName: 'Иванова Мария',
  actorName: 'Иванова Мария',
  at: '2026-11-28T10:00:00.000Z',
};

describe('native notifications', () => {
  it('says once that uploads finished when the queue settles, not once per file', () => {
    const { events, shown } = setup();
    events.emit('uploads.state', queue([item('a', 'old.pdf', 'done')]));
    events.emit(
      'uploads.state',
      queue([item('b', 'scan.pdf', 'uploading'), item('c', 'photo.jpg', 'queued')]),
    );
    events.emit('uploads.state', queue([item('b', 'scan.pdf', 'done'), item('c', 'photo.jpg', 'uploading')]));
    expect(shown).toEqual([]);
    events.emit('uploads.state', queue([item('b', 'scan.pdf', 'done'), item('c', 'photo.jpg', 'done')]));
    expect(shown).toEqual([{ title: 'Мои документы', body: 'Загружено файлов: 2.', screen: 'documents' }]);

    events.emit('uploads.state', queue([item('d', 'concert.mp4', 'uploading')]));
    events.emit('uploads.state', queue([item('d', 'concert.mp4', 'done')]));
    expect(shown.at(-1)?.body).toBe('«concert.mp4» загружен.');
  });

  it('tells at once when an upload fails, with the reason in words', () => {
    const { events, shown } = setup({ language: 'en' });
    events.emit('uploads.state', queue([]));
    events.emit('uploads.state', queue([item('x', 'big.iso', 'uploading')]));
    events.emit(
      'uploads.state',
      queue([item('x', 'big.iso', 'failed', { code: 'QUOTA_EXCEEDED', message: 'Quota exceeded' })]),
    );
    expect(shown).toHaveLength(1);
    expect(shown[0]!.body).toMatch(/^Could not upload “big\.iso”\. /);
    expect(shown[0]!.body.length).toBeGreaterThan('Could not upload “big.iso”. '.length);
  });

  it('tells when a parent joins a child’s profile', () => {
    const { events, shown } = setup();
    events.emit('family.notice', joined);
    expect(shown).toEqual([
      {
        title: 'Изменения в семье',
        body: 'Пётр Иванов: подключён родитель — Иванова Мария',
        screen: 'family',
      },
    ]);
  });

  it('tells exactly what a parent changed in the child’s details, and who', () => {
    const changed = {
      ...joined,
      id: 'e9',
      action: 'changed' as const,
      changes: [
        { field: 'surname' as const, from: 'Иванов', to: 'Петров' },
        { field: 'birthDate' as const, from: '2015-02-01', to: '2015-02-02' },
      ],
    };
    const ruSetup = setup();
    ruSetup.events.emit('family.notice', changed);
    expect(ruSetup.shown).toEqual([
      {
        title: 'Изменения в семье',
        body: 'Пётр Иванов: данные изменил родитель Иванова Мария — фамилия Иванов → Петров, дата рождения 01.02.2015 → 02.02.2015',
        screen: 'family',
      },
    ]);
    const enSetup = setup({ language: 'en' });
    enSetup.events.emit('family.notice', changed);
    expect(enSetup.shown[0]?.body).toBe(
      'Пётр Иванов: details changed by parent Иванова Мария — surname Иванов → Петров, date of birth 1 Feb 2015 → 2 Feb 2015',
    );
  });

  it('stays quiet about the screen the parent is looking at, and when notifications are off', () => {
    const looking = setup({ focused: true, screen: 'family' });
    looking.events.emit('family.notice', joined);
    expect(looking.shown).toEqual([]);
    looking.state.screen = 'documents';
    looking.events.emit('family.notice', { ...joined, id: 'e2', action: 'left' });
    expect(looking.shown).toHaveLength(1);
    looking.state.focused = false;
    looking.state.screen = 'family';
    looking.events.emit('family.notice', { ...joined, id: 'e3' });
    expect(looking.shown).toHaveLength(2);

    const off = setup({ notifications: false });
    off.events.emit('family.notice', joined);
    expect(off.shown).toEqual([]);
  });

  it('stops listening when the core closes', () => {
    const { events, shown, stop } = setup();
    stop();
    events.emit('family.notice', joined);
    expect(shown).toEqual([]);
  });
});
