import type { SupportDiagnostics, SupportTicket } from '../../../shared/support/index.js';
import { SUPPORT_LOG_MAX } from '../../../shared/support/index.js';
import { AppError } from '../../../shared/errors.js';
import type { LocalAccountRuntime } from '../auth/accounts.js';
import type { Logger } from '../ports.js';

const TAIL_LINES = 200;

/**
 * Keeps the last lines the core logged, so that a support request can carry them
 * when, and only when, the parent agrees. Nothing secret is logged by the core.
 */
export function createLogTail(inner: Logger, now: () => Date = () => new Date()) {
  const lines: string[] = [];
  const keep = (level: string, message: string, details?: unknown) => {
    const extra = details === undefined || details === '' ? '' : ` ${describe(details)}`;
    lines.push(`${now().toISOString()} ${level} ${message}${extra}`);
    if (lines.length > TAIL_LINES) lines.splice(0, lines.length - TAIL_LINES);
  };
  const logger: Logger = {
    info: (message, details) => {
      keep('info', message, details);
      inner.info(message, details);
    },
    warn: (message, details) => {
      keep('warn', message, details);
      inner.warn(message, details);
    },
    error: (message, details) => {
      keep('error', message, details);
      inner.error(message, details);
    },
  };
  /** The tail, newest last, cut to what a support request may carry. */
  const tail = () => {
    const text = lines.join('\n');
    return text.length > SUPPORT_LOG_MAX ? text.slice(text.length - SUPPORT_LOG_MAX) : text;
  };
  return { logger, tail };
}

function describe(details: unknown): string {
  if (details instanceof Error) return `${details.name}: ${details.message}`;
  if (typeof details === 'string') return details;
  try {
    return JSON.stringify(details).slice(0, 500);
  } catch {
    return String(details);
  }
}

/** Sends a support request from the signed-in person; diagnostics only with consent. */
export async function sendSupportRequest(
  account: LocalAccountRuntime,
  input: { text: string; includeDiagnostics: boolean },
  diagnostics: () => SupportDiagnostics,
): Promise<SupportTicket> {
  if (!account.signedIn()) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return account.client.call('support', {
    body: { text: input.text, diagnostics: input.includeDiagnostics ? diagnostics() : null },
  });
}
