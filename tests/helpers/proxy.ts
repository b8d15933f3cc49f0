import net from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

export interface Proxy {
  url: string;
  /** Resolves once a connection has been held at `holdAfterBytes`. */
  held: Promise<void>;
  /** Forwards what was held and everything after it. */
  release(): void;
  /** Holds the upload direction again after `bytes` more; resolves once it does. */
  holdAfter(bytes: number): Promise<void>;
  /** Bytes passed on towards the server so far (what an upload really cost). */
  forwarded(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of the server, standing for the parent's home connection. The
 * upload direction can be slowed down (`bytesPerSecond`) or held still after a number of
 * bytes (`holdAfterBytes`, counted over all connections): the connection that crosses it
 * waits until `release()`, the others go on. A test can so pause, cut and resume an upload
 * while it is surely still on its way, however busy the machine, and the page or app can
 * still do everything else. The server behind it can be stopped and started again on the
 * same port.
 */
export async function startProxy(
  targetPort: number,
  options: { bytesPerSecond?: number; holdAfterBytes?: number } = {},
): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let forwarded = 0;
  let holding = options.holdAfterBytes !== undefined;
  let limit = options.holdAfterBytes ?? 0;
  const waiting: Array<() => void> = [];
  /** The connections held (each by its upload direction). */
  const heldStreams = new Set<Transform>();
  let onHeld!: () => void;
  let held = new Promise<void>((resolve) => (onHeld = resolve));
  const release = () => {
    holding = false;
    heldStreams.clear();
    for (const go of waiting.splice(0)) go();
  };

  const pass = (stream: Transform, chunk: Buffer, done: TransformCallback): void => {
    if (heldStreams.has(stream)) {
      waiting.push(() => pass(stream, chunk, done));
      return;
    }
    const room = holding ? Math.max(0, limit - forwarded) : chunk.length;
    const now = chunk.subarray(0, room);
    forwarded += now.length;
    if (now.length) stream.push(now);
    if (now.length === chunk.length) return done();
    // This connection crossed the line and is held: its callback waits, so its client
    // socket stops being read (backpressure). The other connections go on.
    holding = false;
    heldStreams.add(stream);
    onHeld();
    waiting.push(() => pass(stream, chunk.subarray(now.length), done));
  };

  const throttle = (stream: Transform, chunk: Buffer, done: TransformCallback) => {
    const slice = Math.max(1024, Math.floor(options.bytesPerSecond! / 20));
    let at = 0;
    const step = () => {
      if (at >= chunk.length) return done();
      const part = chunk.subarray(at, at + slice);
      at += slice;
      pass(stream, part, (error) => (error ? done(error) : setTimeout(step, 50)));
    };
    step();
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const up = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (options.bytesPerSecond) throttle(this, chunk, done);
        else pass(this, chunk, done);
      },
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(up).pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    release,
    holdAfter: (bytes) => {
      limit = forwarded + bytes;
      holding = true;
      held = new Promise<void>((resolve) => (onHeld = resolve));
      return held;
    },
    forwarded: () => forwarded,
    close: () =>
      new Promise<void>((done) => {
        release();
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}
