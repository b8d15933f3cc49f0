import { cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeRows } from '../../src/renderer/src/chats/useTimeline.js';
import { linkParts, MessageText, safeHref, Snippet } from '../../src/renderer/src/chats/text.js';
import type { TimelineMessage } from '../../src/shared/chats/ipc.js';

afterEach(cleanup);

describe('a message’s text', () => {
  it('makes http and https addresses links, and nothing else', () => {
    const parts = linkParts(
      'Смотрите https://school.ru/plan, а javascript:alert(1) и file:///etc/passwd — нет.',
    );
    expect(parts.filter((p) => p.href).map((p) => p.href)).toEqual(['https://school.ru/plan']);
    expect(parts.map((p) => p.text).join('')).toBe(
      'Смотрите https://school.ru/plan, а javascript:alert(1) и file:///etc/passwd — нет.',
    );
    expect(safeHref('https://user:pass@school.ru/')).toBeNull();
    expect(safeHref('http://school.ru/a')).toBe('http://school.ru/a');
    expect(safeHref('javascript:alert(1)')).toBeNull();
  });

  it('renders markup as text, keeps line breaks, opens links safely or through the app', () => {
    let opened = '';
    const { container, rerender } = render(
      <p>
        <MessageText text={'<b>жирный</b>\nhttps://school.ru/x'} open={null} />
      </p>,
    );
    expect(container.querySelector('b')).toBeNull();
    expect(container.textContent).toBe('<b>жирный</b>\nhttps://school.ru/x');
    const link = container.querySelector('a')!;
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');

    rerender(
      <p>
        <MessageText text="https://school.ru/x" open={(href) => (opened = href)} />
      </p>,
    );
    fireEvent.click(container.querySelector('a')!);
    expect(opened).toBe('https://school.ru/x');
  });

  it('shows a search snippet’s matches as <mark>, never as HTML', () => {
    const { container } = render(
      <p>
        <Snippet text={'Экскурсия в \uE000музей\uE001 <img src=x onerror=alert(1)>'} />
      </p>,
    );
    expect(container.querySelector('mark')?.textContent).toBe('музей');
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toBe('Экскурсия в музей <img src=x onerror=alert(1)>');
  });
});

describe('the timeline’s rows', () => {
  const message = (key: string, seq: number | null, text = key): TimelineMessage => ({
    key,
    seq,
    senderId: 'u1',
    senderName: 'Смирнова Ольга',
    mine: seq === null,
    text,
    replyTo: null,
    attachments: [],
    createdAt: `2026-12-03T10:00:0${seq ?? 9}.000Z`,
    editedAt: null,
    deletedBy: null,
    status: seq === null ? 'sending' : 'sent',
    error: null,
    readBy: null,
    acked: null,
  });

  it('keeps one row per message: pages merge in order, a sent message replaces its pending row', () => {
    const held = [message('s2', 2), message('s3', 3), message('c1', null, 'на пути')];
    const older = [message('s1', 1), message('s2', 2, 'изменено')];
    const merged = mergeRows(held, older);
    expect(merged.map((m) => m.key)).toEqual(['s1', 's2', 's3', 'c1']);
    expect(merged[1]!.text).toBe('изменено');
    const sent = mergeRows(merged, [{ ...message('c1', 4, 'на пути'), status: 'sent' }]);
    expect(sent.map((m) => [m.key, m.seq])).toEqual([
      ['s1', 1],
      ['s2', 2],
      ['s3', 3],
      ['c1', 4],
    ]);
  });
});
