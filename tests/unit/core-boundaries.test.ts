import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoreEvents } from '../../src/main/core/events.js';
import { vetExternalUrl } from '../../src/main/core/externalUrl.js';
import { normalizeServerUrl } from '../../src/main/core/settings/serverUrl.js';
import { SessionFile } from '../../src/main/core/auth/session.js';
import type { SyncStatus } from '../../src/shared/sync/index.js';
import { createTestLogger } from '../helpers/core.js';
import { createMemorySecretStorage } from '../helpers/ports.js';
import { makeTempDir } from '../helpers/tempDir.js';

describe('vetExternalUrl', () => {
  it.each(['https://sferum.ru/faq', 'mailto:info@sferum.ru', 'mailto:info@sferum.ru?subject=Help'])(
    'allows %s',
    (url) => expect(() => vetExternalUrl(url)).not.toThrow(),
  );
  it.each([
    'http://sferum.ru',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'sferum-family://invite/x',
    'https://user:pw@sferum.ru',
    'mailto:',
    'not a url',
  ])('refuses %s with FORBIDDEN', (url) =>
    expect(() => vetExternalUrl(url)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' })),
  );
});

describe('normalizeServerUrl', () => {
  it('trims slashes and keeps a path prefix', () => {
    expect(normalizeServerUrl(' https://school.example/ ')).toBe('https://school.example');
    expect(normalizeServerUrl('http://10.0.0.5:8787/sferum/')).toBe('http://10.0.0.5:8787/sferum');
  });
  it.each(['ftp://x.example', 'school.example', 'https://a:b@x.example', 'https://x.example/?q=1'])(
    'refuses %s',
    (url) =>
      expect(() => normalizeServerUrl(url)).toThrow(expect.objectContaining({ code: 'SERVER_URL_INVALID' })),
  );
});

describe('session file', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());
  const session = {
    userId: 'u1',
    tokens: {
      accessToken: 'ACCESS-SECRET',
      accessExpiresAt: 'a',
      refreshToken: 'REFRESH-SECRET',
      refreshExpiresAt: 'b',
      sessionId: 's',
    },
  };

  it('stores the session encrypted and reads it back', () => {
    const file = join(dir.path, 'session.bin');
    new SessionFile(file, createMemorySecretStorage(), createTestLogger()).set(session);
    expect(readFileSync(file).toString('utf8')).not.toContain('SECRET');
    expect(new SessionFile(file, createMemorySecretStorage(), createTestLogger()).get()).toEqual(session);
  });

  it('keeps the session in memory only when secret storage is unavailable', () => {
    const file = join(dir.path, 'session.bin');
    const memoryOnly = new SessionFile(file, createMemorySecretStorage('unavailable'), createTestLogger());
    memoryOnly.set(session);
    expect(memoryOnly.get()).toEqual(session);
    expect(new SessionFile(file, createMemorySecretStorage(), createTestLogger()).get()).toBeNull();
  });

  it('starts signed out when the file cannot be decrypted', () => {
    const file = join(dir.path, 'session.bin');
    new SessionFile(file, createMemorySecretStorage(), createTestLogger()).set(session);
    const broken = { ...createMemorySecretStorage(), decrypt: () => 'garbage' };
    expect(new SessionFile(file, broken, createTestLogger()).get()).toBeNull();
  });
});

describe('core events', () => {
  it('emits only payloads that match the contract, stripped of undeclared fields', () => {
    const logger = createTestLogger();
    const events = new CoreEvents(logger);
    const seen: unknown[] = [];
    events.on('sync.status', (s) => void seen.push(s));
    const status: SyncStatus = {
      state: 'online',
      pending: 0,
      lastSyncAt: null,
      lastError: null,
      nextRetryAt: null,
    };
    events.emit('sync.status', { ...status, accessToken: 'x' } as SyncStatus);
    events.emit('sync.status', { ...status, pending: -1 });
    expect(seen).toEqual([status]);
    expect(logger.lines.some((l) => l.includes('does not match'))).toBe(true);
  });
});
