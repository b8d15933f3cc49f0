import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import { DevOtpSender, HttpGatewayOtpSender } from '../../src/server/auth/otpSender.js';

const logger = pino({ level: 'silent' });
let gateway: http.Server | null = null;

afterEach(async () => {
  await new Promise<void>((resolve) => (gateway ? gateway.close(() => resolve()) : resolve()));
  gateway = null;
});

async function startGateway(status: number): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  gateway = http.createServer((req, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => gateway!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/send`, bodies };
}

describe('one-time code senders', () => {
  it('the gateway sender POSTs {to, code, text} as JSON', async () => {
    const { url, bodies } = await startGateway(200);
    await new HttpGatewayOtpSender(url, logger).send({ phone: '+79001234567' }, '123456');
    expect(bodies).toEqual([{ to: '+79001234567', code: '123456', text: expect.stringContaining('123456') }]);
  });

  it('a refusing or unreachable gateway is OTP_DELIVERY_FAILED', async () => {
    const { url } = await startGateway(500);
    await expect(
      new HttpGatewayOtpSender(url, logger).send({ phone: '+79001234567' }, '1'),
    ).rejects.toMatchObject({
      code: 'OTP_DELIVERY_FAILED',
    });
    const unreachable = new HttpGatewayOtpSender('http://127.0.0.1:1/send', logger);
    const error = await unreachable.send({ phone: '+79001234567' }, '1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(502);
  });

  it('the development sender writes the code to the log', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    await new DevOtpSender(capture).send({ email: 'anna.ivanova@example.ru' }, '654321');
    expect(lines.join('')).toContain('code for anna.ivanova@example.ru : 654321');
  });
});
