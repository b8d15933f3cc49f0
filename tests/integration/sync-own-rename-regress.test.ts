import { afterEach, expect, it } from 'vitest';
import { createTestCore, randomPhone, signInAs, waitFor, type TestCore } from '../helpers/core.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/**
 * A device behind in the feed (restarted after a while, or after a kill: it pushes its
 * outbox first, then pulls) reads older states of items it has itself renamed since.
 * Its own acknowledged rename must not be undone on screen by an older page, and a
 * rename made meanwhile must not be refused as a conflict with the device itself.
 */
it("a device's own acknowledged rename survives an older page of the feed, and the next rename applies", async () => {
  const ts: TestServer = await startTestServer();
  cleanup.push(() => ts.close());
  // Pulls wait at a gate the test opens one page at a time.
  let gate: (() => void) | null = null;
  let holding = false;
  const gated: typeof fetch = async (input, init) => {
    if (holding && String(input).includes('/api/sync/changes')) {
      await new Promise<void>((resolve) => {
        gate = resolve;
        init?.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return fetch(input, init);
  };
  const tc: TestCore = await createTestCore({
    serverUrl: ts.url,
    fetch: gated,
    timing: { backoffBaseMs: 20, backoffMaxMs: 100, infoTimeoutMs: 2000, random: Math.random, pageSize: 1 },
  });
  cleanup.push(() => tc.dispose());
  await signInAs(tc.core, randomPhone());
  await tc.core.syncNow();

  holding = true;
  const { id } = tc.core.documents.createFolder(null, 'Справки');
  tc.core.documents.rename('folder', id, 'Справки 2025');
  // Both are pushed and acknowledged; the pull that follows is held.
  await waitFor(() => tc.core.getSyncStatus().pending === 0 && gate !== null, 5000, 'the pushes');
  const name = () =>
    tc.core.documents.list({ view: 'folder', folderId: null }).items.find((i) => i.id === id)?.name;
  expect(name()).toBe('Справки 2025');

  // One page: the folder as it was created. The device's own later rename stays on screen.
  const first = gate!;
  gate = null;
  first();
  await waitFor(() => gate !== null, 5000, 'the first page');
  expect(name()).toBe('Справки 2025');
  tc.core.documents.rename('folder', id, 'Справки за год');

  holding = false;
  gate!();
  await waitFor(() => tc.core.getSyncStatus().pending === 0, 5000, 'the last rename to be pushed');
  await tc.core.syncNow();
  expect(tc.core.documents.conflicts()).toEqual([]);
  expect((await ts.server.context.documents.service.list(tc.core.getProfile()!.id)).folders).toMatchObject([
    { id, name: 'Справки за год' },
  ]);
  expect(name()).toBe('Справки за год');
});
