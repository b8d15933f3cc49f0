import type { OtpAddress, OtpSender } from '../auth/otpSender.js';
import type { MailSender } from './index.js';

/** E-mail codes (primary-school students sign in by e-mail) through the mail delivery. */
export class MailOtpSender implements OtpSender {
  constructor(private readonly mail: MailSender) {}

  async send(to: OtpAddress, code: string): Promise<void> {
    if (!('email' in to)) throw new Error('MailOtpSender sends e-mail codes only');
    await this.mail.send({
      to: to.email,
      subject: `Код входа в «Сферум Семья»: ${code}`,
      text: [
        `Ваш код входа в «Сферум Семья»: ${code}`,
        '',
        'Код действует 10 минут. Никому его не сообщайте.',
        'Если вы не входили в приложение, просто удалите это письмо.',
        '',
        '—',
        `Your Sferum Family sign-in code: ${code}. It is valid for 10 minutes; do not share it.`,
      ].join('\n'),
    });
  }
}
