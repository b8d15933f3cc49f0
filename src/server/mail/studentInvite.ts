import type { MailMessage } from './index.js';

/** The school's e-mail to a primary-school student (and their family), in Russian with an English line. */
export function studentInviteMail(options: {
  to: string;
  studentName: string;
  schoolName: string;
  className: string | null;
  link: string;
  /** The same link for the desktop app (sferum-family://register/<token>). */
  appLink?: string;
  expiresAt: string;
}): MailMessage {
  const until = new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', year: 'numeric' }).format(
    new Date(options.expiresAt),
  );
  const where = options.className ? `${options.schoolName}, ${options.className} класс` : options.schoolName;
  const text = [
    `Здравствуйте!`,
    ``,
    `${where} приглашает ученика «${options.studentName}» в «Сферум Семья».`,
    `Чтобы завершить регистрацию, откройте ссылку (она действует до ${until}, один раз):`,
    ``,
    options.link,
    ...(options.appLink ? [``, `В приложении «Сферум Семья» для компьютера: ${options.appLink}`] : []),
    ``,
    `Номер телефона не нужен. В следующий раз входите по коду, который придёт на этот адрес.`,
    `Когда ученик войдёт, он сможет скопировать в своём профиле ссылку-приглашение для родителей.`,
    ``,
    `Если письмо пришло по ошибке, просто удалите его. Помощь: info@sferum.ru`,
    ``,
    `—`,
    `Your school invites the student to Sferum Family. Open the link above to finish the registration (no phone number needed).`,
  ].join('\n');
  return { to: options.to, subject: 'Приглашение в «Сферум Семья» от школы', text };
}
