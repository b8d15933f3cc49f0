import { z } from 'zod';

/** A support request: the parent's words, and diagnostics only if they agreed to send them. */
export const SUPPORT_TEXT_MAX = 5000;
export const SUPPORT_LOG_MAX = 20_000;

export const SupportDiagnosticsSchema = z.object({
  appVersion: z.string().max(100),
  os: z.string().max(300),
  /** The last lines of the app's log. */
  logTail: z.string().max(SUPPORT_LOG_MAX),
});
export type SupportDiagnostics = z.infer<typeof SupportDiagnosticsSchema>;

export const SupportTextSchema = z
  .string()
  .trim()
  .min(1, 'Write what happened.')
  .max(SUPPORT_TEXT_MAX, `At most ${SUPPORT_TEXT_MAX} characters.`);

export const SupportRequestBodySchema = z.object({
  text: SupportTextSchema,
  diagnostics: SupportDiagnosticsSchema.nullable(),
});
export type SupportRequestBody = z.infer<typeof SupportRequestBodySchema>;

export const SupportTicketSchema = z.object({
  ticketId: z.string(),
  number: z.number().int(),
  createdAt: z.string(),
});
export type SupportTicket = z.infer<typeof SupportTicketSchema>;
