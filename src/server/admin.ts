import { fileURLToPath } from 'node:url';
import { AppError } from '../shared/errors.js';
import { normalizeEmail, normalizePhone } from '../shared/phone.js';
import { ConfigError, loadConfig } from './config.js';
import {
  createClass,
  createSchool,
  createSchoolAdmin,
  createStudent,
  createTeacher,
  findSchool,
  inviteStudentByEmail,
  list,
  removeLink,
  type SchoolContext,
} from './family/school.js';
import { createMailSender, type MailSender } from './mail/index.js';
import { studentInviteMail } from './mail/studentInvite.js';
import { buildServices } from './services.js';
import { openStore } from './store/open.js';
import type { UserRow } from './store/types.js';

/**
 * The school's tool: `npm run admin -- <command> [--option value ...]`. It works on
 * the server's data directory (SFERUM_DATA_DIR), or its PostgreSQL database when
 * SFERUM_DATABASE_URL is set, directly, through the same store and
 * services as the server, so every rule (the phone rule, at most two parents) holds.
 * People already online see the changes at their next sync.
 */

export const USAGE = `Usage: npm run admin -- <command> [options]

  create-school --name "Школа № 5"
  create-class --school "Школа № 5" --name "2 Б" [--teacher "Иванова Мария Петровна"]
  create-teacher --school <school> --surname <..> --name <..> [--patronymic <..>] [--class <class>] (--phone <..> | --email <..>)
  create-admin --school <school> --surname <..> --name <..> [--patronymic <..>] (--phone <..> | --email <..>)
  create-student --school <school> --class <class> --surname <..> --name <..> [--patronymic <..>] --phone <..> [--birth-date YYYY-MM-DD]
  invite-student-email --school <school> --class <class> --surname <..> --name <..> [--patronymic <..>] --email <..> [--birth-date YYYY-MM-DD]
  remove-link --child <id | phone | e-mail> --parent <id | phone | e-mail>
  list
  tickets [--status open|all]    support requests sent from «Помощь» (open ones by default)
  close-ticket --number <N>

A school is given by its id or exact name; a class by its id or name within the school.
E-mail goes through SMTP when SFERUM_SMTP_URL is set (smtp[s]://user:pass@host:port),
else into <data dir>/outbox-mail/ as .eml files.`;

export interface AdminIo {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Replaces the configured e-mail delivery (tests). */
  mail?: MailSender;
}

function parseOptions(args: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const key = args[i]!;
    if (!key.startsWith('--')) throw new AppError('VALIDATION_FAILED', `Unexpected argument: ${key}`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) {
      throw new AppError('VALIDATION_FAILED', `Option ${key} needs a value.`);
    }
    options[key.slice(2)] = value;
    i++;
  }
  return options;
}

function need(options: Record<string, string>, key: string): string {
  const value = options[key];
  if (value === undefined || value.trim() === '') {
    throw new AppError('VALIDATION_FAILED', `Option --${key} is required.`);
  }
  return value;
}

async function findPerson(ctx: SchoolContext, ref: string): Promise<UserRow> {
  const phone = normalizePhone(ref);
  const email = normalizeEmail(ref);
  const user =
    (await ctx.store.accounts.getUser(ref)) ??
    (phone ? await ctx.store.accounts.findUserByPhone(phone) : null) ??
    (email ? await ctx.store.accounts.findUserByEmail(email) : null);
  if (!user) throw new AppError('NOT_FOUND', `Nobody is registered as "${ref}".`);
  return user;
}

function describe(user: UserRow): string {
  const contact = user.phone ?? user.email ?? 'no contact';
  return (
    `${user.role} ${user.surname} ${user.name} ${user.patronymic}`.trim() + ` (${contact}) id=${user.id}`
  );
}

/** Runs one command; returns the process exit code. */
export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    io.out(USAGE);
    return command ? 0 : 1;
  }
  let config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
  const publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  let opened;
  try {
    opened = await openStore(config);
  } catch (error) {
    io.err(`Cannot open the database: ${(error as Error).message}`);
    return 1;
  }
  const services = buildServices(config, { publicUrl: () => publicUrl, store: opened });
  const { store, family, feed, now, support } = services;
  const ctx: SchoolContext = { store, family, familyStore: store.family, feed, now };
  const mail = io.mail ?? createMailSender({ smtpUrl: config.smtpUrl, dataDir: config.dataDir });
  try {
    const options = parseOptions(rest);
    const person = () => ({
      surname: need(options, 'surname'),
      name: need(options, 'name'),
      patronymic: options.patronymic ?? '',
    });
    switch (command) {
      case 'create-school': {
        const school = await createSchool(ctx, need(options, 'name'));
        io.out(`School created: ${school.name} id=${school.id}`);
        break;
      }
      case 'create-class': {
        const cls = await createClass(
          ctx,
          need(options, 'school'),
          need(options, 'name'),
          options.teacher ?? null,
        );
        io.out(`Class created: ${cls.name} id=${cls.id}`);
        break;
      }
      case 'create-teacher': {
        const user = await createTeacher(ctx, {
          ...person(),
          school: need(options, 'school'),
          className: options.class ?? null,
          phone: options.phone ?? null,
          email: options.email ?? null,
        });
        io.out(`Teacher created: ${describe(user)}`);
        break;
      }
      case 'create-admin': {
        const user = await createSchoolAdmin(ctx, {
          ...person(),
          school: need(options, 'school'),
          phone: options.phone ?? null,
          email: options.email ?? null,
        });
        io.out(`School administrator created: ${describe(user)}`);
        break;
      }
      case 'create-student': {
        const user = await createStudent(ctx, {
          ...person(),
          school: need(options, 'school'),
          className: need(options, 'class'),
          phone: need(options, 'phone'),
          birthDate: options['birth-date'] ?? null,
        });
        io.out(`Student created: ${describe(user)}`);
        io.out(
          'The student signs in with this phone number and finds the parents’ invite link in the profile.',
        );
        break;
      }
      case 'invite-student-email': {
        const schoolName = need(options, 'school');
        const invited = await inviteStudentByEmail(ctx, {
          ...person(),
          school: schoolName,
          className: need(options, 'class'),
          email: need(options, 'email'),
          birthDate: options['birth-date'] ?? null,
        });
        const link = `${publicUrl}/register/${invited.token}`;
        const cls = invited.user.classId ? await store.accounts.getClass(invited.user.classId) : null;
        const where = await mail.send(
          studentInviteMail({
            to: invited.user.email!,
            studentName: `${invited.user.surname} ${invited.user.name}`,
            schoolName: (await findSchool(ctx, schoolName)).name,
            className: cls?.name ?? null,
            link,
            appLink: `sferum-family://register/${invited.token}`,
            expiresAt: invited.expiresAt,
          }),
        );
        io.out(`Student created: ${describe(invited.user)}`);
        io.out(`Registration e-mail sent: ${where}`);
        break;
      }
      case 'remove-link': {
        const child = await findPerson(ctx, need(options, 'child'));
        const parent = await findPerson(ctx, need(options, 'parent'));
        await removeLink(ctx, child.id, parent.id);
        io.out(`Link removed: ${describe(parent)} is no longer a parent of ${describe(child)}.`);
        io.out('The child and the other parent see it in the family history.');
        break;
      }
      case 'list': {
        const listing = await list(ctx);
        for (const school of listing.schools) {
          io.out(`School ${school.name} id=${school.id}`);
          for (const cls of school.classes) {
            io.out(`  class ${cls.name}${cls.teacher ? `, ${cls.teacher}` : ''} id=${cls.id}`);
          }
        }
        io.out('People:');
        for (const p of listing.people) {
          const where = [p.school, p.class].filter(Boolean).join(', ');
          io.out(
            `  ${p.role} ${p.name} (${p.phone ?? p.email ?? 'no contact'})${where ? ` — ${where}` : ''} id=${p.id}`,
          );
        }
        io.out('Family links:');
        if (listing.links.length === 0) io.out('  none');
        for (const l of listing.links) io.out(`  ${l.parent} → ${l.child} since ${l.since}`);
        break;
      }
      case 'tickets': {
        const tickets = await support.list(options.status === 'all' ? 'all' : 'open');
        if (tickets.length === 0) io.out('No support requests.');
        for (const ticket of tickets) {
          io.out(
            `#${ticket.number} ${ticket.status} ${ticket.createdAt} ${ticket.userName} (${ticket.contact ?? 'no contact'})`,
          );
          for (const line of ticket.text.split('\n')) io.out(`    ${line}`);
          if (ticket.diagnostics) {
            io.out(`    [app ${ticket.diagnostics.appVersion}; ${ticket.diagnostics.os}]`);
            const log = ticket.diagnostics.logTail.split('\n').filter(Boolean).slice(-20);
            for (const line of log) io.out(`    | ${line}`);
          }
        }
        break;
      }
      case 'close-ticket': {
        const number = Number(need(options, 'number'));
        if (!Number.isInteger(number) || !(await support.close(number))) {
          io.err(`No open support request #${options.number}.`);
          return 1;
        }
        io.out(`Support request #${number} closed.`);
        break;
      }
      default:
        io.err(`Unknown command: ${command}\n\n${USAGE}`);
        return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof AppError) {
      io.err(`${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    mail.close?.();
    services.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runAdmin(process.argv.slice(2), {
    env: process.env,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
