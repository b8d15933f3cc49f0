import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One change of the feed as a lying server may send it: any shape at all. */
export type AnyChange = Record<string, unknown>;

export interface LyingServer {
  url: string;
  /** Changes to add to the next answer of GET /api/sync/changes (then forgotten). */
  inject(changes: AnyChange[]): void;
  /** Rewrites every change of the real server's feed answers (names of real documents...). */
  rewrite(fn: (change: AnyChange) => AnyChange): void;
  /** Answers GET …/<key>/content itself, `key` being the last path segment before `/content`. */
  serveContent(key: string, body: Buffer): void;
  /** Feed answers that carried injected changes so far. */
  injectedPages(): number;
  close(): Promise<void>;
}

const PULL_PATH = '/api/sync/changes';

/**
 * A hostile school server standing in front of a real one on loopback: it passes every
 * request through (sign-in, uploads, the live stream, downloads), except that it lies in
 * the sync feed (rewritten and injected changes) and answers downloads of documents it
 * made up with bytes of its choosing. What the core does with the lies is the test.
 */
export async function startLyingServer(targetUrl: string): Promise<LyingServer> {
  const target = new URL(targetUrl);
  let pending: AnyChange[] = [];
  let rewriteFn: (change: AnyChange) => AnyChange = (change) => change;
  let injected = 0;
  const contents = new Map<string, Buffer>();
  const sockets = new Set<Socket>();

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, rewritePull: boolean) => {
    const headers = { ...req.headers, host: target.host };
    // The feed answer is rewritten as JSON: ask for it uncompressed.
    if (rewritePull) delete headers['accept-encoding'];
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        if (!rewritePull || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const page = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { changes: AnyChange[] };
          page.changes = page.changes.map((change) => rewriteFn(change));
          if (pending.length > 0) {
            page.changes.push(...pending);
            pending = [];
            injected += 1;
          }
          const body = Buffer.from(JSON.stringify(page));
          const out = { ...answer.headers, 'content-length': String(body.length) };
          delete out['transfer-encoding'];
          res.writeHead(200, out);
          res.end(body);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://lying.invalid');
    const content = /\/([^/]+)\/content$/.exec(url.pathname);
    const body = content && req.method === 'GET' ? contents.get(decodeURIComponent(content[1]!)) : undefined;
    if (body) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
      return;
    }
    forward(req, res, req.method === 'GET' && url.pathname === PULL_PATH);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    inject: (changes) => void pending.push(...changes),
    rewrite: (fn) => void (rewriteFn = fn),
    serveContent: (key, data) => void contents.set(key, data),
    injectedPages: () => injected,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
