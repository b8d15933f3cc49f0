import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalJanus, type JanusBackend } from '../../src/server/meetings/janus.js';
import { JanusConnection, JanusError } from '../../src/server/meetings/janusClient.js';
import type { JanusProcess } from '../../src/server/meetings/janusProcess.js';

/** A real Janus started as a child process from the generated configuration, one for the file. */
let dir: string;
let backend: JanusBackend;
let proc: JanusProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sferum-janus-'));
  backend = await startLocalJanus(join(dir, 'janus'));
  proc = (backend as unknown as { target: { process: JanusProcess } }).target.process;
}, 30_000);

afterAll(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Joins the room as a publisher the way a browser would: token, session, VideoRoom handle, join. */
async function joinAsPublisher(token: string, room: string, display: string) {
  const conn = await JanusConnection.connect(backend.clientUrl(), { token });
  try {
    const session = await conn.createSession();
    const handle = await conn.attach(session, 'janus.plugin.videoroom');
    return await conn.message(session, handle, { request: 'join', ptype: 'publisher', room, display });
  } finally {
    conn.close();
  }
}

async function rejected(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JanusError) return error.code;
    throw error;
  }
  throw new Error('expected Janus to refuse');
}

describe('Janus started by the server', () => {
  it('is available, listens on loopback and lets a token-holder join a string-id room', async () => {
    expect(backend.availability()).toEqual({ available: true });
    expect(backend.clientUrl()).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    await backend.createRoom('meeting-a1', { publishers: 30, description: 'Родительское собрание' });
    await backend.createRoom('meeting-a1', { publishers: 30, description: 'again' }); // idempotent
    const first = await joinAsPublisher(backend.mintToken(60), 'meeting-a1', 'Петров Олег');
    expect(first).toMatchObject({ videoroom: 'joined', room: 'meeting-a1' });
    const second = await joinAsPublisher(backend.mintToken(60), 'meeting-a1', 'Иванова Анна');
    expect(second).toMatchObject({ videoroom: 'joined', room: 'meeting-a1' });
  });

  it('refuses a forged token, an expired one and none at all (403)', async () => {
    const forged = backend.mintToken(60).replace(/:.*/, ':AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    expect(await rejected(joinAsPublisher(forged, 'meeting-a1', 'x'))).toBe(403);
    expect(await rejected(joinAsPublisher(backend.mintToken(-10), 'meeting-a1', 'x'))).toBe(403);
    expect(await rejected(joinAsPublisher('', 'meeting-a1', 'x'))).toBe(403);
  });

  it('a token no longer gets in once the room is destroyed (the meeting ended)', async () => {
    await backend.createRoom('meeting-b2', { publishers: 30, description: 'b' });
    const token = backend.mintToken(60);
    await backend.destroyRoom('meeting-b2');
    await backend.destroyRoom('meeting-b2'); // destroying twice is not an error
    expect(await rejected(joinAsPublisher(token, 'meeting-b2', 'x'))).toBe(426);
  });

  it('a Janus killed mid-meeting is restarted, and the room is created again for a new join', async () => {
    await backend.createRoom('meeting-c3', { publishers: 30, description: 'c' });
    const pid = proc.pid!;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => proc.running && proc.pid !== pid, { timeout: 15_000, interval: 100 }).toBe(true);
    expect(proc.restarts).toBe(1);
    await backend.createRoom('meeting-c3', { publishers: 30, description: 'c' });
    const joined = await joinAsPublisher(backend.mintToken(60), 'meeting-c3', 'Петров Олег');
    expect(joined).toMatchObject({ videoroom: 'joined', room: 'meeting-c3' });
  }, 30_000);
});

describe('Janus stopped with the server', () => {
  it('stops the child process on close', async () => {
    const pid = proc.pid!;
    await backend.close();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(backend.availability()).toMatchObject({ available: false });
  });
});
