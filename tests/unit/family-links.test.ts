import { describe, expect, it } from 'vitest';
import { createDeepLinkQueue, findDeepLink } from '../../src/main/deepLinks.js';
import { inviteLinks, parseInviteLink, parseRegistrationLink } from '../../src/shared/family/index.js';

const TOKEN = 'Ab3_-'.repeat(8) + 'xyz';

describe('invite links', () => {
  it('reads the https link, the app link and the bare token, and nothing else', () => {
    const { url, appUrl } = inviteLinks('https://family.school.ru/', TOKEN);
    expect(url).toBe(`https://family.school.ru/invite/${TOKEN}`);
    expect(appUrl).toBe(`sferum-family://invite/${TOKEN}`);
    expect(parseInviteLink(url)).toBe(TOKEN);
    expect(parseInviteLink(`  ${appUrl}\n`)).toBe(TOKEN);
    expect(parseInviteLink(`${url}/`)).toBe(TOKEN);
    expect(parseInviteLink(TOKEN)).toBe(TOKEN);
    expect(parseInviteLink('http://127.0.0.1:8787/invite/' + TOKEN)).toBe(TOKEN);
    for (const bad of [
      '',
      'hello',
      TOKEN.slice(1),
      `${TOKEN}A`,
      `https://family.school.ru/documents/${TOKEN}`,
      `sferum-family://settings/${TOKEN}`,
      `javascript:alert(1)//invite/${TOKEN}`,
      `ftp://x/invite/${TOKEN}`,
      `https://family.school.ru/invite/${TOKEN}%2F..`,
    ]) {
      expect(parseInviteLink(bad), bad).toBeNull();
    }
  });

  it('reads the school’s registration link in both forms, and nothing else', () => {
    expect(parseRegistrationLink(`https://family.school.ru/register/${TOKEN}`)).toBe(TOKEN);
    expect(parseRegistrationLink(`sferum-family://register/${TOKEN}`)).toBe(TOKEN);
    expect(parseRegistrationLink(TOKEN)).toBeNull();
    expect(parseRegistrationLink(`sferum-family://invite/${TOKEN}`)).toBeNull();
    expect(parseInviteLink(`sferum-family://register/${TOKEN}`)).toBeNull();
  });

  it('finds the deep link among process arguments', () => {
    expect(findDeepLink(['/opt/app', '--flag', `sferum-family://invite/${TOKEN}`])).toBe(
      `sferum-family://invite/${TOKEN}`,
    );
    expect(findDeepLink(['/opt/app', '--no-sandbox'])).toBeNull();
  });

  it('keeps links that arrive before the core and hands them over in order', () => {
    const queue = createDeepLinkQueue();
    const seen: string[] = [];
    queue.receive('sferum-family://invite/one');
    queue.receive(null);
    queue.receive('sferum-family://invite/two');
    queue.attach((url) => seen.push(url));
    queue.receive('sferum-family://invite/three');
    expect(seen).toEqual([
      'sferum-family://invite/one',
      'sferum-family://invite/two',
      'sferum-family://invite/three',
    ]);
  });
});
