import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Where e-mail goes: SMTP in production, files in an outbox folder in development. */
export interface MailSender {
  /** Sends one message; resolves with where it went (a message id or a file path). */
  send(message: MailMessage): Promise<string>;
  close?(): void;
}

export const DEFAULT_FROM = 'Сферум Семья <no-reply@sferum-family.local>';

/** SMTP through nodemailer, from a URL such as smtps://user:pass@smtp.example.ru:465. */
export function createSmtpSender(smtpUrl: string, from = DEFAULT_FROM): MailSender {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      const info = await transport.sendMail({ from, textEncoding: 'quoted-printable', ...message });
      return String(info.messageId);
    },
    close: () => transport.close(),
  };
}

/**
 * Development delivery: each message becomes an .eml file in `dir` (any mail client
 * opens it), built by nodemailer exactly as it would be sent.
 */
export function createOutboxSender(dir: string, from = DEFAULT_FROM): MailSender {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await transport.sendMail({ from, textEncoding: 'quoted-printable', ...message });
      mkdirSync(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = join(dir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
      writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      return file;
    },
  };
}

/** SMTP when SFERUM_SMTP_URL is set, else `<dataDir>/outbox-mail/`. */
export function createMailSender(options: {
  smtpUrl: string | null;
  dataDir: string;
  from?: string;
}): MailSender {
  const from = options.from ?? DEFAULT_FROM;
  return options.smtpUrl
    ? createSmtpSender(options.smtpUrl, from)
    : createOutboxSender(join(options.dataDir, 'outbox-mail'), from);
}
