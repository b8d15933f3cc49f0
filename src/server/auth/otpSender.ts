import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../shared/errors.js';

export type OtpAddress = { phone: string } | { email: string };

/** How one-time codes reach people: an SMS gateway, e-mail, or the log in development. */
export interface OtpSender {
  send(to: OtpAddress, code: string): Promise<void>;
}

/** Development delivery: the code goes to the server log (the only place codes are logged). */
export class DevOtpSender implements OtpSender {
  constructor(private readonly logger: FastifyBaseLogger) {}

  async send(to: OtpAddress, code: string): Promise<void> {
    const address = 'phone' in to ? to.phone : to.email;
    this.logger.info(`code for ${address} : ${code}`);
  }
}

/** Production SMS: POSTs {to, code, text} as JSON to the configured gateway. */
export class HttpGatewayOtpSender implements OtpSender {
  constructor(
    private readonly url: string,
    private readonly logger: FastifyBaseLogger,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(to: OtpAddress, code: string): Promise<void> {
    const address = 'phone' in to ? to.phone : to.email;
    const text = `Код входа в Сферум: ${code}. Никому его не сообщайте.`;
    let status: number;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: address, code, text }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      this.logger.error({ err: error }, 'SMS gateway unreachable');
      throw new AppError('OTP_DELIVERY_FAILED', 'The code could not be sent. Try again later.');
    }
    if (status < 200 || status >= 300) {
      this.logger.error({ status }, 'SMS gateway refused the message');
      throw new AppError('OTP_DELIVERY_FAILED', 'The code could not be sent. Try again later.');
    }
  }
}

/** Phone codes through the gateway when one is configured; e-mail codes (no mail gateway yet) to the log. */
export class RoutingOtpSender implements OtpSender {
  constructor(
    private readonly sms: OtpSender,
    private readonly email: OtpSender,
  ) {}

  send(to: OtpAddress, code: string): Promise<void> {
    return 'phone' in to ? this.sms.send(to, code) : this.email.send(to, code);
  }
}

export function createOtpSender(
  smsGatewayUrl: string | null,
  logger: FastifyBaseLogger,
  /** E-mail codes by mail (SMTP) when given, else to the log. */
  email?: OtpSender,
): OtpSender {
  const dev = new DevOtpSender(logger);
  return new RoutingOtpSender(
    smsGatewayUrl ? new HttpGatewayOtpSender(smsGatewayUrl, logger) : dev,
    email ?? dev,
  );
}
