import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OtpRequestResponse, SignedIn } from '../../src/shared/api.js';
import { openEventStream, postJson, testDeviceId } from '../../src/server/testing.js';

const TSX = path.resolve('node_modules/tsx/dist/cli.mjs');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function startCli(env: Record<string, string>, args: string[] = []) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sferum-cli-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, [TSX, 'src/server/cli.ts', ...args], {
    env: { ...process.env, SFERUM_DATA_DIR: dataDir, SFERUM_PORT: '0', SFERUM_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 20 s:\n${output}`)), 20_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before listening:\n${output}`));
    });
  });
  return { child, listening, exited, output: () => output };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)),
  ]);
}

describe('server CLI', () => {
  it('starts in demo mode, prints who to sign in as, and shuts down on SIGTERM with an open live stream', async () => {
    const cli = startCli({}, ['--demo']);
    const url = await cli.listening;
    expect(cli.output()).toContain('+7 900 000-00-01');
    expect(cli.output()).toContain('anna.ivanova@example.ru');

    const deviceId = testDeviceId();
    const requested = await postJson<OtpRequestResponse>(`${url}/api/auth/otp/request`, {
      channel: 'phone',
      phone: '+79000000001',
      deviceId,
    });
    const code = requested.body.devCode!;
    // The development sender writes the code to the log.
    await within(
      (async () => {
        while (!cli.output().includes(`: ${code}`)) await new Promise((r) => setTimeout(r, 50));
      })(),
      5000,
      'code in the log',
    );
    const verified = await postJson<SignedIn>(`${url}/api/auth/otp/verify`, {
      requestId: requested.body.requestId,
      code,
      deviceId,
      deviceName: 'CLI test',
    });
    // Tokens never reach the log.
    expect(cli.output()).not.toContain(verified.body.tokens.accessToken);
    expect(cli.output()).not.toContain(verified.body.tokens.refreshToken);

    const stream = await openEventStream(url, verified.body.tokens.accessToken);
    cli.child.kill('SIGTERM');
    expect(await within(cli.exited, 10_000, 'shutdown')).toBe(0);
    await within(stream.ended, 5000, 'stream end');
  });

  it('refuses bad configuration with a clear message and exit code 1', async () => {
    const cli = startCli({ SFERUM_PORT: 'seventy' });
    await expect(cli.listening).rejects.toThrow();
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/SFERUM_PORT="seventy"/);
  });
});
