import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { createMailSender, createOutboxSender } from '../../src/server/mail/index.js';
import { MailOtpSender } from '../../src/server/mail/otpMail.js';
import { studentInviteMail } from '../../src/server/mail/studentInvite.js';
import { makeTempDir } from '../helpers/tempDir.js';

function decoded(eml: string): string {
  return eml
    .replace(/=\r?\n/g, '')
    .replace(/(=[0-9A-F]{2})+/g, (m) => Buffer.from(m.replace(/=/g, ''), 'hex').toString('utf8'));
}

describe('e-mail delivery', () => {
  it('writes .eml files to the outbox folder without SMTP; e-mail codes and invites read well', async () => {
    const dir = makeTempDir('sferum-mail-');
    try {
      const mail = createMailSender({ smtpUrl: null, dataDir: dir.path });
      await new MailOtpSender(mail).send({ email: 'pupil@example.ru' }, '123456');
      await mail.send(
        studentInviteMail({
          to: 'pupil@example.ru',
          studentName: 'Морозова Соня',
          schoolName: 'Школа № 7',
          className: '1 А',
          link: 'https://family.school.example/register/abc',
          expiresAt: '2026-12-12T00:00:00.000Z',
        }),
      );
      const outbox = join(dir.path, 'outbox-mail');
      const files = readdirSync(outbox).sort();
      expect(files).toHaveLength(2);
      const texts = files.map((f) => decoded(readFileSync(join(outbox, f), 'utf8')));
      const code = texts.find((t) => t.includes('123456'))!;
      expect(code).toContain('To: pupil@example.ru');
      expect(code).toContain('Код действует 10 минут');
      const invite = texts.find((t) => t.includes('/register/abc'))!;
      expect(invite).toContain('Школа № 7, 1 А класс приглашает ученика «Морозова Соня»');
      expect(invite).toContain('12 декабря 2026');
    } finally {
      dir.remove();
    }
  });

  it('refuses an e-mail code to a phone', async () => {
    const dir = makeTempDir('sferum-mail-');
    try {
      const sender = new MailOtpSender(createOutboxSender(dir.path));
      await expect(sender.send({ phone: '+79000000001' }, '123456')).rejects.toThrow(/e-mail codes only/);
    } finally {
      dir.remove();
    }
  });

  it('reads SFERUM_SMTP_URL and SFERUM_INVITE_TTL_DAYS, refusing what is not SMTP', () => {
    const config = loadConfig({
      SFERUM_SMTP_URL: 'smtps://user:pass@smtp.example.ru:465',
      SFERUM_INVITE_TTL_DAYS: '7',
    });
    expect(config.smtpUrl).toBe('smtps://user:pass@smtp.example.ru:465');
    expect(config.inviteTtlDays).toBe(7);
    expect(loadConfig({}).inviteTtlDays).toBe(14);
    expect(loadConfig({}).smtpUrl).toBeNull();
    expect(() => loadConfig({ SFERUM_SMTP_URL: 'https://mail.example.ru' })).toThrow(ConfigError);
    expect(() => loadConfig({ SFERUM_INVITE_TTL_DAYS: '0' })).toThrow(ConfigError);
  });
});
