import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_INVITE_TTL_DAYS } from '../shared/family/index.js';
import type { S3Config } from './blobs/s3.js';

/**
 * Limits on one-time codes (OWASP ASVS V6). Wrong codes slow down the code request, the
 * device and the address they come from, never the phone number: whoever holds the number
 * can always sign in with a fresh code. Per number, each new code waits longer than the one
 * before, which bounds the guesses at any number however many addresses guess.
 */
export interface OtpLimits {
  /** Seconds between two codes for the same phone or e-mail. */
  resendCooldownSeconds: number;
  /** Codes per phone or e-mail in `codesWindowSeconds` that wait only the resend cooldown. */
  codesBeforeDelay: number;
  /**
   * The wait after the `codesBeforeDelay`-th code before the next one; each further code
   * doubles it, up to `maxCodeDelaySeconds`.
   */
  firstCodeDelaySeconds: number;
  maxCodeDelaySeconds: number;
  /** How long a code counts towards that escalation. */
  codesWindowSeconds: number;
  /** Code requests per IP per window. */
  requestsPerIp: number;
  /** Verify attempts per IP per window. */
  verifiesPerIp: number;
  /** The per-IP window, in seconds. */
  ipWindowSeconds: number;
  /**
   * Wrong codes per IP (or per device) in `wrongCodesWindowSeconds` with no wait; each
   * further one waits `firstWrongCodeDelaySeconds` after the one before, doubling, up to
   * `maxWrongCodeDelaySeconds`. Only that address or device waits.
   */
  wrongCodesBeforeDelay: number;
  firstWrongCodeDelaySeconds: number;
  maxWrongCodeDelaySeconds: number;
  wrongCodesWindowSeconds: number;
}

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** The address people reach the server at; null means "the address it listens on". */
  publicUrl: string | null;
  demo: boolean;
  /** Where SMS codes are POSTed; null means the development sender (codes in the log). */
  smsGatewayUrl: string | null;
  accessTtlSeconds: number;
  refreshTtlDays: number;
  /** The built renderer (web version). */
  webDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  otpLimits: OtpLimits;
  /** Largest accepted JSON body. */
  bodyLimitBytes: number;
  /** Seconds between heartbeat comments on the live event stream. */
  sseHeartbeatSeconds: number;
  /** Days an invite link stays valid (default 14). */
  inviteTtlDays: number;
  /** SMTP for e-mail (codes, the school's invites); null: e-mail codes to the log, invites to an outbox folder. */
  smtpUrl: string | null;
  /** How often the server looks for changes another process (the admin tool) wrote, in ms. */
  foreignWritesPollMs: number;
  /** Document storage per person, in bytes (default 10 GiB). */
  quotaBytes: number;
  /** Largest document, in bytes (default 4 GiB). */
  maxFileBytes: number;
  /** Hours an unfinished upload is kept for resuming (default 72). */
  uploadExpiryHours: number;
  /** Documents and uploads in an S3-compatible bucket (`SFERUM_S3_*`); null: the local folder (the default). */
  s3: S3Config | null;
  /**
   * Client IPs the per-IP rate limits do not apply to (e.g. a load test on loopback);
   * the limits per phone number, e-mail address and account still do. Empty by default.
   */
  rateLimitExemptIps: string[];
  /**
   * A PostgreSQL database (`postgres://user:pass@host:port/db`) for the records instead
   * of SQLite in the data directory; null: SQLite (the default). Documents stay in the
   * data directory either way.
   */
  databaseUrl: string | null;
  /** Sign-in with VK ID; null: not offered (the button is hidden). `--demo` fills in a local stand-in. */
  vkid: VkIdConfig | null;
}

/** Where VK ID is and who we are to it (`SFERUM_VKID_*`). */
export interface VkIdConfig {
  /** https://id.vk.ru, or the demo stand-in's address. */
  host: string;
  clientId: string;
  /** The trusted redirect URL registered at VK; null: `<public URL>/vkid/callback`. */
  redirectUri: string | null;
  /** Space-separated VK scopes; the phone is needed to find or create the account. */
  scope: string;
}

export const DEFAULT_OTP_LIMITS: OtpLimits = {
  resendCooldownSeconds: 60,
  codesBeforeDelay: 3,
  firstCodeDelaySeconds: 300,
  maxCodeDelaySeconds: 4 * 3600,
  codesWindowSeconds: 86_400,
  requestsPerIp: 30,
  verifiesPerIp: 60,
  ipWindowSeconds: 600,
  wrongCodesBeforeDelay: 10,
  firstWrongCodeDelaySeconds: 5,
  maxWrongCodeDelaySeconds: 300,
  wrongCodesWindowSeconds: 3600,
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const flag = z
  .enum(['', '0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const httpUrl = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));

const EnvSchema = z.object({
  SFERUM_HOST: z.string().min(1).default('127.0.0.1'),
  SFERUM_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  SFERUM_DATA_DIR: z.string().min(1).default('./.data/server'),
  SFERUM_PUBLIC_URL: httpUrl.optional(),
  SFERUM_DEMO: flag.default(false),
  SFERUM_SMS_GATEWAY_URL: httpUrl.optional(),
  SFERUM_ACCESS_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  SFERUM_REFRESH_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  SFERUM_WEB_DIR: z.string().min(1).default('./out/renderer'),
  SFERUM_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SFERUM_INVITE_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(DEFAULT_INVITE_TTL_DAYS),
  SFERUM_SMTP_URL: z
    .string()
    .url()
    .refine((v) => /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL')
    .optional(),
  SFERUM_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(10 * 1024 ** 3),
  SFERUM_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(4 * 1024 ** 3),
  SFERUM_UPLOAD_EXPIRY_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
  SFERUM_S3_ENDPOINT: httpUrl.optional(),
  SFERUM_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .optional(),
  SFERUM_S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .default('us-east-1'),
  SFERUM_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  SFERUM_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  SFERUM_S3_FORCE_PATH_STYLE: flag.optional(),
  SFERUM_RATE_LIMIT_EXEMPT_IPS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((ip) => ip.trim())
        .filter(Boolean),
    )
    .refine((ips) => ips.every((ip) => net.isIP(ip) !== 0), 'must be a comma-separated list of IP addresses')
    .default([]),
  SFERUM_DATABASE_URL: z
    .string()
    .url()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  SFERUM_VKID_HOST: httpUrl.optional(),
  SFERUM_VKID_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  SFERUM_VKID_REDIRECT_URI: httpUrl.optional(),
  SFERUM_VKID_SCOPE: z
    .string()
    .regex(/^[a-z0-9_. ]{1,200}$/)
    .default('vkid.personal_info phone'),
});

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the configuration from environment variables (and `--demo` on the command line).
 * Empty variables count as unset, so `SFERUM_PORT= npm run server` means the default.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  argv: readonly string[] = [],
): ServerConfig {
  const known = Object.fromEntries(
    Object.keys(EnvSchema.shape)
      .map((key) => [key, env[key]?.trim()] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = EnvSchema.safeParse(known);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.');
      return `  ${key}=${JSON.stringify(known[key] ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const s3Named = Object.keys(known).filter((k) => k.startsWith('SFERUM_S3_'));
  if (s3Named.length > 0 && !e.SFERUM_S3_BUCKET) {
    throw new ConfigError(`Invalid configuration:\n  SFERUM_S3_BUCKET is needed with ${s3Named.join(', ')}`);
  }
  if (!e.SFERUM_S3_ACCESS_KEY_ID !== !e.SFERUM_S3_SECRET_ACCESS_KEY) {
    throw new ConfigError(
      'Invalid configuration:\n  SFERUM_S3_ACCESS_KEY_ID and SFERUM_S3_SECRET_ACCESS_KEY go together',
    );
  }
  return {
    host: e.SFERUM_HOST,
    port: e.SFERUM_PORT,
    dataDir: path.resolve(e.SFERUM_DATA_DIR),
    publicUrl: e.SFERUM_PUBLIC_URL ?? null,
    demo: e.SFERUM_DEMO || argv.includes('--demo'),
    smsGatewayUrl: e.SFERUM_SMS_GATEWAY_URL ?? null,
    accessTtlSeconds: e.SFERUM_ACCESS_TTL_SECONDS,
    refreshTtlDays: e.SFERUM_REFRESH_TTL_DAYS,
    webDir: path.resolve(e.SFERUM_WEB_DIR),
    logLevel: e.SFERUM_LOG_LEVEL,
    otpLimits: { ...DEFAULT_OTP_LIMITS },
    bodyLimitBytes: 64 * 1024,
    sseHeartbeatSeconds: 15,
    inviteTtlDays: e.SFERUM_INVITE_TTL_DAYS,
    smtpUrl: e.SFERUM_SMTP_URL ?? null,
    foreignWritesPollMs: 3000,
    quotaBytes: e.SFERUM_QUOTA_BYTES,
    maxFileBytes: e.SFERUM_MAX_FILE_BYTES,
    uploadExpiryHours: e.SFERUM_UPLOAD_EXPIRY_HOURS,
    s3: e.SFERUM_S3_BUCKET
      ? {
          endpoint: e.SFERUM_S3_ENDPOINT ?? null,
          bucket: e.SFERUM_S3_BUCKET,
          region: e.SFERUM_S3_REGION,
          accessKeyId: e.SFERUM_S3_ACCESS_KEY_ID ?? null,
          secretAccessKey: e.SFERUM_S3_SECRET_ACCESS_KEY ?? null,
          // Self-hosted servers (an endpoint of its own) mostly speak path-style only.
          forcePathStyle: e.SFERUM_S3_FORCE_PATH_STYLE ?? e.SFERUM_S3_ENDPOINT !== undefined,
        }
      : null,
    rateLimitExemptIps: e.SFERUM_RATE_LIMIT_EXEMPT_IPS,
    databaseUrl: e.SFERUM_DATABASE_URL ?? null,
    vkid:
      e.SFERUM_VKID_HOST && e.SFERUM_VKID_CLIENT_ID
        ? {
            host: e.SFERUM_VKID_HOST,
            clientId: e.SFERUM_VKID_CLIENT_ID,
            redirectUri: e.SFERUM_VKID_REDIRECT_URI ?? null,
            scope: e.SFERUM_VKID_SCOPE,
          }
        : null,
  };
}

/** A configuration with every default, for tests and the embedded server. */
export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...loadConfig({}), ...overrides };
}

/** The configuration as printed at start: no secrets (the gateway URL may carry a key). */
export function describeConfig(config: ServerConfig, url: string): Record<string, unknown> {
  let gateway: string | null = null;
  if (config.smsGatewayUrl) {
    const u = new URL(config.smsGatewayUrl);
    gateway = `${u.protocol}//${u.host}${u.pathname === '/' ? '' : '/…'}`;
  }
  return {
    url,
    publicUrl: config.publicUrl ?? url,
    dataDir: config.dataDir,
    database: describeDatabase(config),
    webDir: config.webDir,
    blobStore: config.s3
      ? `S3 bucket ${config.s3.bucket} at ${config.s3.endpoint ?? `AWS ${config.s3.region}`}`
      : `local folder ${path.join(config.dataDir, 'blobs')}`,
    demo: config.demo,
    smsGateway: gateway ?? 'development sender (codes in the log)',
    accessTtlSeconds: config.accessTtlSeconds,
    refreshTtlDays: config.refreshTtlDays,
    logLevel: config.logLevel,
    vkid: config.vkid ? `${config.vkid.host} (client ${config.vkid.clientId})` : 'off',
    ...(config.rateLimitExemptIps.length > 0
      ? { rateLimitExemptIps: config.rateLimitExemptIps.join(', ') }
      : {}),
  };
}

/** Which database the server keeps its records in, as printed at start (no password). */
export function describeDatabase(config: ServerConfig): string {
  if (!config.databaseUrl) return `SQLite ${path.join(config.dataDir, 'sferum.db')}`;
  let shown = 'postgres://…';
  try {
    const u = new URL(config.databaseUrl);
    if (u.password) u.password = '***';
    shown = u.toString();
  } catch {
    // Validated at load; a URL that still does not parse is shown without details.
  }
  return `PostgreSQL ${shown}`;
}
