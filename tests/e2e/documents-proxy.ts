import net from 'node:net';
import { Transform } from 'node:stream';

/**
 * A TCP proxy in front of the server that slows the upload direction down (like a
 * home connection), so a test can pause, cut and resume an upload while it is still
 * on its way. The server behind it can be stopped and started again on the same port.
 */
export async function startSlowProxy(
  targetPort: number,
  bytesPerSecond: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const slice = Math.max(1024, Math.floor(bytesPerSecond / 20));
    const throttle = new Transform({
      transform(chunk: Buffer, _enc, done) {
        let at = 0;
        const step = () => {
          if (at >= chunk.length) return done();
          this.push(chunk.subarray(at, at + slice));
          at += slice;
          setTimeout(step, 50);
        };
        step();
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
    client.pipe(throttle).pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}
