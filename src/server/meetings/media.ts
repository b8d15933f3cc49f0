/**
 * The seam between meetings and the media server (an SFU). Janus is the implementation
 * (janus.ts); another SFU could replace it behind this interface.
 */
export type MediaAvailability = { available: true } | { available: false; reason: string };

export interface MediaRoomOptions {
  /** Most people sending at once (publishers). */
  publishers: number;
  description: string;
}

export interface MediaBackend {
  /** Whether meetings can run now, and if not, why (shown in server info). */
  availability(): MediaAvailability;
  /** Creates a room with a string id (idempotent: an existing room is kept). */
  createRoom(roomId: string, options: MediaRoomOptions): Promise<void>;
  /** Destroys the room; everyone in it is dropped. A missing room is not an error. */
  destroyRoom(roomId: string): Promise<void>;
  /** A token for one join, valid for `ttlSeconds`, that the browser presents to the SFU. */
  mintToken(ttlSeconds: number): string;
  /** The WebSocket address the browser connects to. */
  clientUrl(): string;
  close(): Promise<void>;
}
