import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

/**
 * A small client of Janus's WebSocket API (subprotocol `janus-protocol`): one socket,
 * requests matched to answers by transaction, keep-alives for the sessions it creates.
 */
export interface JanusAuth {
  apisecret?: string;
  token?: string;
}

type JanusMessage = Record<string, unknown> & { janus: string; transaction?: string };

export class JanusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class JanusConnection {
  private readonly pending = new Map<
    string,
    { resolve: (m: JanusMessage) => void; reject: (e: Error) => void; ack: boolean }
  >();
  private readonly keepalives = new Set<NodeJS.Timeout>();
  /** Asynchronous events (plugin events without a pending request). */
  readonly events: JanusMessage[] = [];

  private constructor(
    private readonly ws: WebSocket,
    private readonly auth: JanusAuth,
  ) {
    ws.on('message', (data) => this.onMessage(JSON.parse(String(data)) as JanusMessage));
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('Janus connection closed'));
      this.pending.clear();
      for (const t of this.keepalives) clearInterval(t);
    });
  }

  static connect(url: string, auth: JanusAuth, timeoutMs = 5000): Promise<JanusConnection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'janus-protocol', { handshakeTimeout: timeoutMs });
      ws.once('open', () => resolve(new JanusConnection(ws, auth)));
      ws.once('error', reject);
    });
  }

  private onMessage(message: JanusMessage): void {
    const tx = message.transaction;
    const pending = tx ? this.pending.get(tx) : undefined;
    if (!pending) {
      this.events.push(message);
      return;
    }
    // A plugin message is first acknowledged ("ack"), its answer comes as an "event".
    if (message.janus === 'ack' && pending.ack) return;
    this.pending.delete(tx!);
    if (message.janus === 'error') {
      const error = message.error as { code: number; reason: string };
      pending.reject(new JanusError(error.code, error.reason));
      return;
    }
    const plugin = (message.plugindata as { data?: Record<string, unknown> } | undefined)?.data;
    if (plugin && typeof plugin.error_code === 'number') {
      pending.reject(new JanusError(plugin.error_code, String(plugin.error)));
      return;
    }
    pending.resolve(message);
  }

  request(body: Record<string, unknown>, waitEvent = false): Promise<JanusMessage> {
    const transaction = randomBytes(9).toString('base64url');
    return new Promise((resolve, reject) => {
      this.pending.set(transaction, { resolve, reject, ack: waitEvent });
      this.ws.send(JSON.stringify({ ...body, ...this.auth, transaction }), (error) => {
        if (error) {
          this.pending.delete(transaction);
          reject(error);
        }
      });
    });
  }

  async createSession(): Promise<number> {
    const answer = await this.request({ janus: 'create' });
    const sessionId = (answer.data as { id: number }).id;
    const timer = setInterval(() => {
      this.request({ janus: 'keepalive', session_id: sessionId }).catch(() => {});
    }, 25_000);
    timer.unref();
    this.keepalives.add(timer);
    return sessionId;
  }

  async attach(sessionId: number, plugin: string): Promise<number> {
    const answer = await this.request({ janus: 'attach', session_id: sessionId, plugin });
    return (answer.data as { id: number }).id;
  }

  /** A plugin request; synchronous ones answer with "success", asynchronous ones with an "event". */
  async message(
    sessionId: number,
    handleId: number,
    body: Record<string, unknown>,
    jsep?: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const answer = await this.request(
      { janus: 'message', session_id: sessionId, handle_id: handleId, body, ...(jsep ? { jsep } : {}) },
      true,
    );
    return ((answer.plugindata as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
  }

  close(): void {
    for (const t of this.keepalives) clearInterval(t);
    this.ws.close();
  }
}
