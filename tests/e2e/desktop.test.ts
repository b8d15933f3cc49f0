import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCore, signInAs } from '../helpers/core.js';
import { portOf, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir } from '../helpers/tempDir.js';
import {
  type DesktopTarget,
  ensureRendererBuilt,
  launchChromium,
  openDesktopTarget,
  screenshot,
} from './harness.js';
import { seriousA11yViolations } from './a11y.js';
import { randomMobile, registerParent } from './flows.js';

/**
 * The desktop target: the real renderer in Chromium, talking through a test bridge
 * (standing where the preload would) to the real main-process core, which syncs with
 * a real server on loopback.
 */
describe('desktop app', () => {
  const serverData = makeTempDir('sferum-e2e-server-');
  let server: TestServer;
  let port: number;
  let browser: Browser;
  let desktop: DesktopTarget;
  const mobile = randomMobile();

  beforeAll(async () => {
    ensureRendererBuilt();
    server = await startTestServer({ dataDir: serverData.path });
    port = portOf(server.url);
    browser = await launchChromium();
    desktop = await openDesktopTarget(browser, { serverUrl: server.url });
  });

  afterAll(async () => {
    await desktop?.close();
    await desktop?.testCore.dispose();
    await browser?.close();
    await server?.close();
    serverData.remove();
  });

  it('exposes the bridge and nothing of Node to the page', async () => {
    const { page } = desktop;
    expect(await page.evaluate('typeof window.sferum.authRequestCode')).toBe('function');
    expect(await page.evaluate('typeof window.sferum.on')).toBe('function');
    expect(await page.evaluate('typeof window.require')).toBe('undefined');
    expect(await page.evaluate('typeof window.process')).toBe('undefined');
  });

  it('registers a new parent through the core and shows the profile from the local cache', async () => {
    const { page } = desktop;
    await page.getByTestId('signin-phone').waitFor();
    await screenshot(page, 'desktop-signin-phone');
    await registerParent(page, mobile, { surname: 'Волкова', name: 'Елена', patronymic: 'Андреевна' });
    await page.getByTestId('menu-profile').click();
    await page.getByRole('heading', { name: 'Волкова Елена Андреевна' }).waitFor();
    await expect.poll(() => page.getByTestId('sync-indicator').getAttribute('data-state')).toBe('online');
    expect(desktop.testCore.core.getProfile()?.surname).toBe('Волкова');
    await screenshot(page, 'desktop-profile');
  });

  it('shows a change made on another device live', async () => {
    const other = await createTestCore({ serverUrl: server.url });
    try {
      await signInAs(other.core, `+7${mobile}`);
      await other.core.updateProfile({ surname: 'Волкова', name: 'Елена', patronymic: 'Сергеевна' });
      await desktop.page
        .getByRole('heading', { name: 'Волкова Елена Сергеевна' })
        .waitFor({ timeout: 10_000 });
    } finally {
      await other.dispose();
    }
  });

  it('keeps a change made offline and sends it once the server is back', async () => {
    const { page } = desktop;
    await server.close();
    await expect
      .poll(() => page.getByTestId('sync-indicator').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('offline');

    await page.getByRole('button', { name: 'Изменить ФИО' }).click();
    await page.getByLabel('Отчество').fill('Викторовна');
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.getByRole('heading', { name: 'Волкова Елена Викторовна' }).waitFor();
    await page.getByText('Ожидают отправки: 1').waitFor();
    await screenshot(page, 'desktop-offline');
    expect(await seriousA11yViolations(page), 'offline').toEqual([]);

    server = await startTestServer({ dataDir: serverData.path, port });
    await expect
      .poll(() => page.getByTestId('sync-indicator').getAttribute('data-state'), { timeout: 20_000 })
      .toBe('online');
    expect(desktop.testCore.core.getSyncStatus().pending).toBe(0);

    // Another device sees the change: it reached the server exactly as typed.
    const other = await createTestCore({ serverUrl: server.url });
    try {
      const profile = await signInAs(other.core, `+7${mobile}`);
      expect(profile.patronymic).toBe('Викторовна');
    } finally {
      await other.dispose();
    }
  });

  it('keeps the parent signed in after the app restarts', async () => {
    const dataDir = desktop.testCore.dataDir;
    await desktop.close();
    desktop = await openDesktopTarget(browser, { serverUrl: server.url, dataDir });
    await expect.poll(() => desktop.page.getByTestId('profile-name').textContent()).toContain('Елена');
  });

  it('signs out when the session is ended from another device', async () => {
    const other = await createTestCore({ serverUrl: server.url });
    try {
      await signInAs(other.core, `+7${mobile}`);
      // End every other session of this parent, the desktop's among them.
      const others = (await other.core.listSessions()).filter((s) => !s.current);
      expect(others.length).toBeGreaterThan(0);
      for (const session of others) await other.core.revokeSession(session.id);
      await desktop.page.getByTestId('signin-phone').waitFor({ timeout: 10_000 });
      await desktop.page.getByRole('alert').or(desktop.page.getByRole('status')).first().waitFor();
      await screenshot(desktop.page, 'desktop-signed-out');
    } finally {
      await other.dispose();
    }
  });
});
