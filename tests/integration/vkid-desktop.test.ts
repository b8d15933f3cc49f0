import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeepLinkQueue } from '../../src/main/deepLinks.js';
import { isVkIdLink } from '../../src/main/core/auth/vkid.js';
import { inviteLinks } from '../../src/shared/family/index.js';
import { signInByPhone } from '../../src/server/testing.js';
import { createTestCore, type TestCore } from '../helpers/core.js';
import { issueInvite, newStudent } from '../helpers/family.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { attachVkIdStandIn, signInAtStandIn, type VkIdStandIn } from '../helpers/vkid.js';

/**
 * Sign-in with VK ID in the desktop core, without Electron: the core opens VK's page in
 * "the system browser" (captured here and driven over HTTP), the server's callback page
 * hands the answer to `sferum-family://vkid/callback`, and the deep-link queue the shell
 * uses brings it to the core, which takes only the answer it is waiting for, once.
 */
describe('sign-in with VK ID (desktop core)', () => {
  let ts: TestServer;
  let vk: VkIdStandIn;
  let desktop: TestCore;
  const opened: string[] = [];
  const deepLinks = createDeepLinkQueue();

  beforeAll(async () => {
    ts = await startTestServer();
    vk = await attachVkIdStandIn(ts, {
      dad: { firstName: 'Павел', lastName: 'Зайцев', phone: '79005556060' },
    });
    desktop = await createTestCore({ serverUrl: ts.url, openExternal: async (url) => void opened.push(url) });
    // As the shell wires it (src/main/index.ts).
    deepLinks.attach((url) =>
      isVkIdLink(url) ? desktop.core.vkid.openLink(url) : desktop.core.family.openLink(url),
    );
  });
  afterAll(async () => {
    await desktop?.dispose();
    await vk?.close();
    await ts?.close();
  });

  /** The system browser: VK's page, then our callback page, whose app link it follows. */
  async function browser(login: string): Promise<string> {
    await expect.poll(() => opened.length).toBeGreaterThan(0);
    const authorize = opened.shift()!;
    expect(new URL(authorize).origin).toBe(vk.url);
    const back = await signInAtStandIn(authorize, login);
    const page = await (await fetch(back)).text();
    const link = /href="(sferum-family:\/\/vkid\/callback\?[^"]+)"/.exec(page)?.[1];
    expect(link).toBeTruthy();
    return link!.replace(/&amp;/g, '&');
  }

  it('a parent opens the child’s app link, signs in with VK ID in the browser and confirms the child', async () => {
    const student = await newStudent(ts, { surname: 'Зайцева', name: 'Юля', patronymic: '' });
    const invite = await issueInvite(ts, await signInByPhone(ts, student.phone));
    deepLinks.receive(inviteLinks(ts.url, invite.token).appUrl);

    const signingIn = desktop.core.vkid.start();
    const link = await browser('dad');
    // A link nobody waits for (forged state) is refused and changes nothing.
    expect(desktop.core.vkid.openLink(link.replace(/state=[^&]+/, 'state=forged'))).toBe(false);
    deepLinks.receive(link);
    const outcome = await signingIn;
    expect(outcome).toEqual({
      status: 'registration_required',
      suggestedName: { surname: 'Зайцев', name: 'Павел', patronymic: '' },
    });
    // The same answer again (a replayed callback) is not taken.
    expect(desktop.core.vkid.openLink(link)).toBe(false);

    const profile = await desktop.core.register({ surname: 'Зайцев', name: 'Павел', patronymic: 'Ильич' });
    expect(profile).toMatchObject({ role: 'parent', phone: '+79005556060', patronymic: 'Ильич' });
    const pending = desktop.core.family.takePendingInvite();
    expect(pending).toEqual({ kind: 'invite', token: invite.token });
    const child = await desktop.core.family.confirmInvite({
      token: pending!.token,
      child: { surname: 'Зайцева', name: 'Юля', patronymic: '', birthDate: '2013-05-06' },
    });
    expect(child.id).toBe(student.id);
    expect(await desktop.core.vkid.status()).toMatchObject({ linked: true, canUnlink: true });
  });

  it('signs the same person in again by their VK user id; a stale answer is refused', async () => {
    await desktop.core.signOut();
    const first = desktop.core.vkid.start();
    const staleLink = await browser('dad');
    // A second start gives up the first: its answer no longer counts.
    const second = desktop.core.vkid.start();
    await expect(first).rejects.toMatchObject({ code: 'VKID_CANCELLED' });
    expect(desktop.core.vkid.openLink(staleLink)).toBe(false);
    const link = await browser('dad');
    expect(desktop.core.vkid.openLink(link)).toBe(true);
    const outcome = await second;
    expect(outcome.status).toBe('signed_in');
    expect(desktop.core.getProfile()?.phone).toBe('+79005556060');
  });
});
