import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SessionTokensSchema, type SessionTokens } from '../../../shared/api.js';
import type { Logger, SecretStorage } from '../ports.js';

const StoredSessionSchema = z.object({ userId: z.string(), tokens: SessionTokensSchema });
export type StoredSession = z.infer<typeof StoredSessionSchema>;

/**
 * One local account's session, encrypted with the secret storage in `session.bin`.
 * Written to a temporary file and renamed over the old one, so a crash mid-write
 * leaves either the old session or the new one, never half a file. With no usable
 * secret storage the session lives in memory only: better to sign in again after a
 * restart than to write tokens in the clear.
 */
export class SessionFile {
  private current: StoredSession | null = null;

  constructor(
    private readonly file: string,
    private readonly secrets: SecretStorage,
    private readonly logger: Logger,
  ) {
    this.current = this.read();
  }

  get(): StoredSession | null {
    return this.current;
  }

  tokens(): SessionTokens | null {
    return this.current?.tokens ?? null;
  }

  set(session: StoredSession | null): void {
    this.current = session;
    if (session === null) {
      rmSync(this.file, { force: true });
      return;
    }
    if (this.secrets.backend() === 'unavailable') return;
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, this.secrets.encrypt(JSON.stringify(session)), { mode: 0o600 });
    renameSync(temp, this.file);
  }

  private read(): StoredSession | null {
    if (!existsSync(this.file) || this.secrets.backend() === 'unavailable') return null;
    try {
      const parsed = StoredSessionSchema.safeParse(JSON.parse(this.secrets.decrypt(readFileSync(this.file))));
      if (parsed.success) return parsed.data;
      this.logger.warn('The stored session is not readable; signing in again is needed');
    } catch (error) {
      // A keyring reset makes old files undecryptable: start signed out rather than fail.
      this.logger.warn('The stored session could not be decrypted; signing in again is needed', error);
    }
    return null;
  }
}
