import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { ErrorBodySchema, ERROR_CODES } from '../../src/shared/errors.js';

/**
 * Shared pieces of the fuzz suites (fuzz-http, fuzz-ipc): the seed, arbitraries for hostile
 * input, plans that damage a valid JSON body in one way each, and a raw HTTP sender that
 * lets a test put on the wire what fetch refuses to send.
 */

const DEFAULT_SEED = 20_261_128;

/** FUZZ_SEED from the environment, else a fixed default: every run is reproducible. */
export function fuzzSeed(): number {
  const raw = process.env.FUZZ_SEED?.trim();
  if (!raw) return DEFAULT_SEED;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED must be an integer, got ${JSON.stringify(raw)}`);
  return n | 0;
}

/** The line that reproduces a failing run. */
export function reproduceLine(seed: number, file: string): string {
  return `reproduce with: FUZZ_SEED=${seed} npx vitest run --project node ${file}`;
}

/** Characters that tend to break parsers, encoders, loggers and file systems. */
const NASTY_PIECES = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\udc00\ud800',
  '\u202e',
  '\u200f',
  '\u200b',
  '\ufeff',
  '\uffff',
  '\u2028',
  '\n',
  '\r\n',
  '\t',
  '"',
  "'",
  '\\',
  '<script>alert(1)</script>',
  '%00',
  '%',
  '../',
  '..\\',
  '${jndi:x}',
  '{{7*7}}',
  'NaN',
  'null',
  '😀',
  '👨‍👩‍👧',
  'Ё',
  'e\u0301',
  'CON',
  ' ',
  '.',
  '/',
  'ＡＢＣ',
];

/** Short hostile strings: lone surrogates, NUL, RTL marks, markup, traversal pieces, any code point. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.array(fc.constantFrom(...NASTY_PIECES), { minLength: 1, maxLength: 8 }).map((a) => a.join('')),
  fc
    .tuple(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom(...NASTY_PIECES))
    .map(([a, b]) => a + b),
);

/** Long strings: just over common limits (100, 200, 1000, 2048, 4096 characters) up to 70 KB. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('a', 'Я', '\u0000', '\ud800', '😀', '../', '%', 'x'.repeat(7)),
    fc.constantFrom(41, 101, 201, 255, 1001, 2049, 4097, 10_240, 70_000),
  )
  .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length));

export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: hugeString },
);

/** Numbers a schema may not expect: NaN, ±Infinity, -0, fractions, huge, negative. */
export const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, -1, 2 ** 53, 1e308, Number.MIN_VALUE),
  fc.integer(),
  fc.double(),
);

/** Keys that have bitten JavaScript servers: prototype pollution and friends. */
export const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

const nastyKey: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...NASTY_KEYS), nastyString);

/** Arrays nested `depth` deep around a value. */
export function nested(depth: number, inner: unknown = 1): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Any JSON-ish value (no BigInt): odd strings and numbers, nesting, prototype keys. */
export const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    oddNumber,
    anyString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyKey, tie('value'), { maxKeys: 4 }),
    fc
      .constantFrom(...NASTY_KEYS)
      .chain((k) => tie('value').map((v) => JSON.parse(`{"${k}":${JSON.stringify(v ?? null)}}`))),
    fc.integer({ min: 50, max: 3000 }).map((d) => nested(d)),
  ),
})).value;

/** One way of damaging a valid JSON body (applied to a concrete body at send time). */
export type BodyPlan =
  | { op: 'valid' }
  | { op: 'drop'; pick: number }
  | { op: 'set'; pick: number; value: unknown }
  | { op: 'extra'; key: string; value: unknown }
  | { op: 'replace'; value: unknown }
  | { op: 'raw'; text: string }
  | { op: 'bytes'; hex: string }
  | { op: 'oversize'; bytes: number; json: boolean }
  | { op: 'deep'; depth: number }
  | { op: 'none' };

const RAW_JSON = [
  '{',
  '}',
  '{"a":}',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":1,}',
  "{'a':1}",
  '[1,2',
  'null',
  'true',
  '0',
  '"string"',
  '[]',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1}{"b":2}',
  '\ufeff{}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a":1e999999}',
  '{"a":"' + '\\'.repeat(3) + '"}',
];

export const bodyPlan: fc.Arbitrary<BodyPlan> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ op: 'valid' as const }) },
  { weight: 4, arbitrary: fc.nat().map((pick) => ({ op: 'drop' as const, pick })) },
  {
    weight: 10,
    arbitrary: fc.record({ op: fc.constant('set' as const), pick: fc.nat(), value: jsonish }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('set' as const), pick: fc.nat(), value: anyString }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('extra' as const), key: nastyKey, value: jsonish }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('replace' as const), value: jsonish }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('raw' as const),
      text: fc.oneof(fc.constantFrom(...RAW_JSON), nastyString),
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .map((b) => ({ op: 'bytes' as const, hex: Buffer.from(b).toString('hex') })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('oversize' as const),
      bytes: fc.constantFrom(64 * 1024 + 1, 65 * 1024, 200 * 1024),
      json: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(100, 1000, 10_000, 30_000).map((depth) => ({ op: 'deep' as const, depth })),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'none' as const }) },
);

type Path = (string | number)[];

/** Paths to every value inside `value` (objects and arrays included), root excluded. */
function paths(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const out: Path[] = [];
  for (const [k, v] of Object.entries(value)) {
    const p = [...prefix, Array.isArray(value) ? Number(k) : k];
    out.push(p, ...paths(v, p));
  }
  return out;
}

function setAt(root: unknown, path: Path, value: unknown, drop: boolean): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (drop) delete node[last];
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
}

/** The wire bytes of a damaged body: a JSON text (or raw bytes), or undefined for no body. */
export function applyBodyPlan(valid: unknown, plan: BodyPlan): string | Buffer | undefined {
  switch (plan.op) {
    case 'valid':
      return valid === undefined ? undefined : JSON.stringify(valid);
    case 'none':
      return undefined;
    case 'drop':
    case 'set': {
      const copy = structuredClone(valid ?? {}) as unknown;
      const all = paths(copy);
      if (all.length === 0) return JSON.stringify(plan.op === 'set' ? (plan.value ?? null) : copy);
      setAt(
        copy,
        all[plan.pick % all.length]!,
        plan.op === 'set' ? plan.value : undefined,
        plan.op === 'drop',
      );
      return JSON.stringify(copy);
    }
    case 'extra': {
      const copy = (valid && typeof valid === 'object' ? structuredClone(valid) : {}) as Record<
        string,
        unknown
      >;
      // defineProperty, so "__proto__" becomes an own key that JSON.stringify writes out.
      Object.defineProperty(copy, plan.key, { value: plan.value, enumerable: true });
      return JSON.stringify(copy);
    }
    case 'replace':
      return JSON.stringify(plan.value) ?? '';
    case 'raw':
      return plan.text;
    case 'bytes':
      return Buffer.from(plan.hex, 'hex');
    case 'oversize':
      return plan.json
        ? JSON.stringify({ text: 'я'.repeat(Math.ceil(plan.bytes / 2)) })
        : Buffer.alloc(plan.bytes, 0x7b);
    case 'deep':
      return '['.repeat(plan.depth) + ']'.repeat(plan.depth);
  }
}

/** Content types a JSON route may receive. */
export const contentTypes: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      null,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'application/offset+octet-stream',
      'application/octet-stream',
      'application/json, text/plain',
      '*/*',
      ';;;',
      'application/ld+json',
    ),
  },
  { weight: 1, arbitrary: nastyString },
);

/** Control characters Node refuses to send in a header value. */
// eslint-disable-next-line no-control-regex
const UNSENDABLE = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/** A header value as bytes on the wire: UTF-8 read as latin1, minus what Node refuses to send. */
export function headerValue(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1').replace(UNSENDABLE, '?');
}

/** Percent-encodes every byte of a path segment (UTF-8, lone surrogates as U+FFFD), optionally raw. */
export function pathSegment(value: string, raw = false): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    if (raw && b > 0x20 && b !== 0x7f && b < 0x100 && c !== '?' && c !== '#' && c !== '/') out += c;
    else if (/[A-Za-z0-9_.~-]/.test(c)) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Path segments a route parameter may receive instead of a real id. */
export const badSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '..',
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '....%2F%2F',
    '%00',
    '%',
    '%zz',
    '%ED%A0%80',
    '%C0%AF',
    '%FF',
    'a'.repeat(10_240),
    'x'.repeat(64),
    'x'.repeat(65),
    'AAAAAAAA',
    '-_-_-_-_',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    '00000000-0000-0000-0000-000000000000',
    '%20',
    '+',
    '.',
    '~',
  ),
  nastyString.map((s) => pathSegment(s)),
  nastyString.map((s) => pathSegment(s, true)),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/),
);

export interface RawRequest {
  method: string;
  /** Path and query, already encoded as they go on the wire. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Stop reading an event stream after its first bytes. */
  stream?: boolean;
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Counts every request put on the wire, for the suite's total. */
export const wire = { requests: 0 };

/**
 * One request over node:http (fetch refuses bad header values, odd methods and some paths).
 * Resolves with the answer, or rejects when the server gives none. A keep-alive connection
 * the server closed just as the request went out is retried once on a new connection (the
 * race Node documents for `reusedSocket`); anything else is the server's failure.
 */
export async function sendRaw(
  base: string,
  request: RawRequest,
  agent: http.Agent,
  timeoutMs = 15_000,
): Promise<RawAnswer> {
  wire.requests += 1;
  try {
    return await sendOnce(base, request, agent, timeoutMs);
  } catch (error) {
    if (!(error as { reused?: boolean }).reused) throw error;
    return sendOnce(base, request, false, timeoutMs);
  }
}

function sendOnce(
  base: string,
  request: RawRequest,
  agent: http.Agent | false,
  timeoutMs: number,
): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (error: Error | null, answer?: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(answer!);
    };
    // An explicit length: Node sends a GET or DELETE body without one, which the server
    // would then read as the start of the next request on the connection.
    const headers =
      request.body === undefined
        ? request.headers
        : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
    const req = http.request({
      host: url.hostname,
      port: url.port,
      method: request.method,
      path: request.path,
      headers,
      agent,
    });
    const timer = setTimeout(() => {
      req.destroy();
      done(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error: Error & { code?: string; reused?: boolean }) => {
      if (req.reusedSocket && (error.code === 'ECONNRESET' || /hang up/.test(error.message))) {
        error.reused = true;
      }
      done(error);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () =>
        done(null, {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= 1 << 20) chunks.push(chunk);
        // An event stream never ends by itself; a download may be large. The start is enough.
        if (request.stream || size > 1 << 20) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', (error) => done(error));
      res.on('close', finish);
    });
    if (request.body !== undefined) req.end(request.body);
    else req.end();
  });
}

/**
 * Bytes straight onto a TCP socket, for requests node:http will not form (control
 * characters, broken request lines). Resolves with what came back, possibly nothing.
 */
export function sendSocket(base: string, bytes: Buffer, timeoutMs = 5000): Promise<string> {
  const url = new URL(base);
  wire.requests += 1;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
      socket.end(bytes);
    });
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', finish);
    socket.on('close', finish);
  });
}

/** Parses the first response of a raw HTTP/1.1 answer; null when there is none. */
export function parseRawResponse(text: string): RawAnswer | null {
  const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
  if (!m) return null;
  const headers: http.IncomingHttpHeaders = {};
  for (const line of m[2]!.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  let body = m[3]!;
  const length = Number(headers['content-length']);
  if (Number.isInteger(length)) body = Buffer.from(body, 'latin1').subarray(0, length).toString('utf8');
  return { status: Number(m[1]), headers, body };
}

const KNOWN = new Set<string>(ERROR_CODES);

/**
 * What every answer must satisfy: never a 5xx, and every refusal a JSON error body with a
 * known code and a message, without a stack or a file path. Returns the problem, or null.
 */
export function answerProblem(method: string, answer: RawAnswer): string | null {
  if (answer.status >= 500) return `status ${answer.status}`;
  if (answer.status < 400 || method === 'HEAD') return null;
  const type = String(answer.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) return `${answer.status} answered as "${type}"`;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return `${answer.status} body is not JSON`;
  }
  const parsed = ErrorBodySchema.safeParse(body);
  if (!parsed.success || !KNOWN.has(parsed.data.code)) return `${answer.status} body has no known code`;
  if (/\bat .+:\d+:\d+|node_modules|\/work\/|\/tmp\//.test(answer.body))
    return 'body shows a stack or a path';
  return null;
}

/** A short, printable form of a request for a failure message. */
export function describeRequest(request: RawRequest): string {
  const body =
    request.body === undefined
      ? '(no body)'
      : typeof request.body === 'string'
        ? JSON.stringify(
            request.body.length > 300
              ? `${request.body.slice(0, 300)}… (${request.body.length} chars)`
              : request.body,
          )
        : `<${request.body.length} bytes ${request.body.subarray(0, 32).toString('hex')}…>`;
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([k, v]) => [
      k,
      v.length > 120 ? `${v.slice(0, 120)}… (${v.length})` : v,
    ]),
  );
  const path =
    request.path.length > 300
      ? `${request.path.slice(0, 300)}… (${request.path.length} chars)`
      : request.path;
  return `${request.method} ${path}\nheaders: ${JSON.stringify(headers)}\nbody: ${body}`;
}

/**
 * A damaged value rather than wire bytes, for IPC (Electron's structured clone keeps NaN,
 * Infinity, undefined, typed arrays and own "__proto__" keys that JSON would lose).
 */
export function applyValuePlan(valid: unknown, plan: BodyPlan): unknown {
  switch (plan.op) {
    case 'valid':
      return structuredClone(valid);
    case 'none':
      return undefined;
    case 'drop':
    case 'set': {
      const copy = structuredClone(valid ?? {}) as unknown;
      const all = paths(copy);
      if (all.length === 0) return plan.op === 'set' ? plan.value : copy;
      setAt(
        copy,
        all[plan.pick % all.length]!,
        plan.op === 'set' ? plan.value : undefined,
        plan.op === 'drop',
      );
      return copy;
    }
    case 'extra': {
      const copy = (valid && typeof valid === 'object' ? structuredClone(valid) : {}) as Record<
        string,
        unknown
      >;
      Object.defineProperty(copy, plan.key, { value: plan.value, enumerable: true });
      return copy;
    }
    case 'replace':
      return plan.value;
    case 'raw':
      return plan.text;
    case 'bytes':
      return Uint8Array.from(Buffer.from(plan.hex, 'hex'));
    case 'oversize':
      return plan.json ? { text: 'я'.repeat(plan.bytes) } : 'x'.repeat(plan.bytes);
    case 'deep':
      return nested(plan.depth, valid);
  }
}

/** JSON of a value for a failure message, cut short; a value too deep to print says so. */
export function preview(value: unknown, max = 300): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  } catch {
    return `<${typeof value} too deep to print>`;
  }
}

/** fast-check's report of a failed run, or a note when the counterexample is too deep to print. */
export function failureReport<Ts>(
  name: string,
  seed: number,
  file: string,
  result: fc.RunDetails<Ts>,
): string {
  let report: string;
  try {
    report = (fc.defaultReportMessage(result) ?? '').slice(0, 3000);
  } catch {
    report = `(counterexample too deep to print; path ${String(result.counterexamplePath)})`;
  }
  return `${name} failed (${reproduceLine(seed, file)})\n${String(result.errorInstance).slice(0, 3000)}\n${report}`;
}
