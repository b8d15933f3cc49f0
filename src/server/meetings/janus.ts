import { JanusConnection, JanusError } from './janusClient.js';
import { JanusProcess, signJanusToken, type JanusSecrets } from './janusProcess.js';
import type { MediaAvailability, MediaBackend, MediaRoomOptions } from './media.js';

/** VideoRoom's "no such room" (JANUS_VIDEOROOM_ERROR_NO_SUCH_ROOM) and "room exists". */
const NO_SUCH_ROOM = 426;
const ROOM_EXISTS = 427;

/**
 * The Janus media backend: the platform controls Janus over its WebSocket API with the
 * api_secret and hands browsers signed tokens (token_auth_secret) valid for one join.
 * Either over a Janus it started itself (JanusProcess) or over a configured address.
 */
export class JanusBackend implements MediaBackend {
  private conn: JanusConnection | null = null;
  private handle: { session: number; handle: number } | null = null;

  constructor(
    private readonly target: {
      url: () => string;
      secrets: JanusSecrets;
      publicUrl?: string;
      process?: JanusProcess;
    },
  ) {}

  availability(): MediaAvailability {
    const proc = this.target.process;
    if (proc && !proc.running) return { available: false, reason: proc.lastError ?? 'Janus is starting' };
    return { available: true };
  }

  clientUrl(): string {
    return this.target.publicUrl ?? this.target.url();
  }

  mintToken(ttlSeconds: number): string {
    return signJanusToken(this.target.secrets.tokenSecret, ttlSeconds);
  }

  /** One control session with the VideoRoom plugin, opened again after Janus restarted. */
  private async videoroom<T>(run: (c: JanusConnection, s: number, h: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        if (!this.conn || !this.handle) {
          this.conn?.close();
          this.conn = await JanusConnection.connect(this.target.url(), {
            apisecret: this.target.secrets.apiSecret,
          });
          const session = await this.conn.createSession();
          this.handle = { session, handle: await this.conn.attach(session, 'janus.plugin.videoroom') };
        }
        return await run(this.conn, this.handle.session, this.handle.handle);
      } catch (error) {
        if (error instanceof JanusError && error.code !== 458 && error.code !== 459) throw error;
        this.conn?.close();
        this.conn = null;
        this.handle = null;
        if (attempt >= 1) throw error;
      }
    }
  }

  async createRoom(roomId: string, options: MediaRoomOptions): Promise<void> {
    await this.videoroom(async (c, s, h) => {
      try {
        await c.message(s, h, {
          request: 'create',
          room: roomId,
          admin_key: this.target.secrets.roomAdminKey,
          description: options.description.slice(0, 100),
          publishers: options.publishers,
          is_private: true,
          permanent: false,
        });
      } catch (error) {
        if (!(error instanceof JanusError && error.code === ROOM_EXISTS)) throw error;
      }
    });
  }

  async destroyRoom(roomId: string): Promise<void> {
    await this.videoroom(async (c, s, h) => {
      try {
        await c.message(s, h, { request: 'destroy', room: roomId, permanent: false });
      } catch (error) {
        if (!(error instanceof JanusError && error.code === NO_SUCH_ROOM)) throw error;
      }
    });
  }

  async close(): Promise<void> {
    this.conn?.close();
    this.conn = null;
    this.handle = null;
    await this.target.process?.stop();
  }
}

/** Starts Janus as a child process and returns its backend (development and demo). */
export async function startLocalJanus(dir: string, log?: (line: string) => void): Promise<JanusBackend> {
  const proc = new JanusProcess({ dir, ...(log ? { log } : {}) });
  await proc.start();
  return new JanusBackend({ url: () => proc.url, secrets: proc.secrets, process: proc });
}
