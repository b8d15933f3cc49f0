import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_OTP_LIMITS, describeConfig, loadConfig } from '../../src/server/config.js';

describe('server config', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      dataDir: path.resolve('.data/server'),
      publicUrl: null,
      demo: false,
      smsGatewayUrl: null,
      accessTtlSeconds: 900,
      refreshTtlDays: 30,
      webDir: path.resolve('out/renderer'),
      logLevel: 'info',
      otpLimits: DEFAULT_OTP_LIMITS,
      rateLimitExemptIps: [],
    });
  });

  it('keeps the records in SQLite unless SFERUM_DATABASE_URL names a PostgreSQL database', () => {
    const sqlite = loadConfig({ SFERUM_DATA_DIR: '/srv/sferum' });
    expect(sqlite.databaseUrl).toBeNull();
    expect(describeConfig(sqlite, 'http://127.0.0.1:8787')).toMatchObject({
      database: `SQLite ${path.join('/srv/sferum', 'sferum.db')}`,
    });
    const postgres = loadConfig({ SFERUM_DATABASE_URL: 'postgres://sferum:s3cret@db.school.ru:5432/sferum' });
    expect(postgres.databaseUrl).toBe('postgres://sferum:s3cret@db.school.ru:5432/sferum');
    const shown = describeConfig(postgres, 'http://127.0.0.1:8787');
    // The banner names the database but never its password.
    expect(shown).toMatchObject({ database: 'PostgreSQL postgres://sferum:***@db.school.ru:5432/sferum' });
    expect(JSON.stringify(shown)).not.toContain('s3cret');
    expect(() => loadConfig({ SFERUM_DATABASE_URL: 'mysql://db/sferum' })).toThrow(/SFERUM_DATABASE_URL/);
  });

  it('reads the addresses exempt from per-IP limits, and refuses what is not an address', () => {
    const config = loadConfig({ SFERUM_RATE_LIMIT_EXEMPT_IPS: ' 127.0.0.1, ::1 ' });
    expect(config.rateLimitExemptIps).toEqual(['127.0.0.1', '::1']);
    expect(describeConfig(config, 'http://127.0.0.1:8787')).toMatchObject({
      rateLimitExemptIps: '127.0.0.1, ::1',
    });
    expect(() => loadConfig({ SFERUM_RATE_LIMIT_EXEMPT_IPS: '127.0.0.1,school.ru' })).toThrow(
      /SFERUM_RATE_LIMIT_EXEMPT_IPS/,
    );
  });

  it('reads every variable, and --demo', () => {
    const config = loadConfig(
      {
        SFERUM_HOST: '0.0.0.0',
        SFERUM_PORT: '9000',
        SFERUM_DATA_DIR: '/srv/sferum',
        SFERUM_PUBLIC_URL: 'https://family.school1.ru/',
        SFERUM_SMS_GATEWAY_URL: 'https://sms.example.ru/send?key=secret',
        SFERUM_ACCESS_TTL_SECONDS: '600',
        SFERUM_REFRESH_TTL_DAYS: '7',
        SFERUM_WEB_DIR: '/srv/web',
        SFERUM_LOG_LEVEL: 'warn',
        SFERUM_DEMO: '',
      },
      ['--demo'],
    );
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      dataDir: '/srv/sferum',
      publicUrl: 'https://family.school1.ru',
      demo: true,
      smsGatewayUrl: 'https://sms.example.ru/send?key=secret',
      accessTtlSeconds: 600,
      refreshTtlDays: 7,
      webDir: '/srv/web',
      logLevel: 'warn',
    });
    expect(loadConfig({ SFERUM_DEMO: '1' }).demo).toBe(true);
    // The printed configuration hides what a gateway URL may carry.
    expect(JSON.stringify(describeConfig(config, 'http://0.0.0.0:9000'))).not.toContain('secret');
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({
        SFERUM_PORT: '70000',
        SFERUM_PUBLIC_URL: 'ftp://x',
        SFERUM_LOG_LEVEL: 'loud',
        SFERUM_DEMO: 'maybe',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const key of ['SFERUM_PORT', 'SFERUM_PUBLIC_URL', 'SFERUM_LOG_LEVEL', 'SFERUM_DEMO'])
      expect(message).toContain(key);
  });
});
