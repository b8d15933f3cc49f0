import { z } from 'zod';

/**
 * Every error the platform can report, by code. Codes cross HTTP and IPC as plain
 * strings (instanceof does not survive either), and the UI maps each one to a
 * sentence in the message catalogue (`errors.<CODE>`).
 */
export const ERROR_CODES = [
  // generic
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL',
  'FORBIDDEN',
  // sessions
  'UNAUTHENTICATED',
  'SESSION_EXPIRED',
  'SESSION_REVOKED',
  'REFRESH_TOKEN_REUSED',
  // sign-in
  'PHONE_INVALID',
  'EMAIL_INVALID',
  'OTP_INVALID',
  'OTP_EXPIRED',
  'OTP_TOO_MANY_ATTEMPTS',
  'OTP_DELIVERY_FAILED',
  'REGISTRATION_EXPIRED',
  'NAME_INVALID',
  'ACCOUNT_NOT_FOUND',
  // sign-in with VK ID
  'VKID_NOT_CONFIGURED',
  'VKID_CANCELLED',
  'VKID_UNAVAILABLE',
  'VKID_STATE_MISMATCH',
  'VKID_CODE_USED',
  'VKID_REFUSED',
  'VKID_NO_PHONE',
  'VKID_PHONE_IS_STUDENT',
  'VKID_NOT_FOR_ACCOUNT',
  'VKID_LINKED_ELSEWHERE',
  'VKID_LINK_EXPIRED',
  'VKID_LAST_METHOD',
  // sync
  'SYNC_RESYNC_REQUIRED',
  'MUTATION_UNKNOWN',
  'MUTATION_REJECTED',
  // client side (never sent by the server)
  'NETWORK_OFFLINE',
  'SERVER_NOT_OURS',
  'SERVER_URL_INVALID',
  'SECRET_STORAGE_UNAVAILABLE',
  'SECRET_STORAGE_WEAK',
  'IPC_SENDER_REFUSED',
  'SERVER_CHANGE_NOT_CONFIRMED',
  'DB_TOO_NEW',
  // later capabilities (family, documents)
  'INVITE_EXPIRED',
  'INVITE_REVOKED',
  'INVITE_MALFORMED',
  'INVITE_PARENT_LIMIT',
  'INVITE_SAME_DEVICE',
  'INVITE_OWN_LINK',
  'INVITE_ALREADY_LINKED',
  'PHONE_BELONGS_TO_PARENT',
  'PHONE_BELONGS_TO_STUDENT',
  'QUOTA_EXCEEDED',
  'CHECKSUM_MISMATCH',
  // documents
  'FILE_NAME_INVALID',
  'FILE_NAME_BROKEN',
  'FILE_TOO_LARGE',
  'FILE_EMPTY',
  'FILE_CHANGED',
  'FILE_UNREADABLE',
  'UPLOAD_TOO_MANY_FILES',
  'UPLOAD_NOT_A_FILE',
  'UPLOAD_INCOMPLETE',
  'UPLOAD_FILE_NEEDED',
  'UPLOAD_PATH_NOT_GRANTED',
  'RENAME_CONFLICT',
  // chats
  'CHAT_MESSAGE_EMPTY',
  'CHAT_MESSAGE_TOO_LONG',
  'CHAT_NOT_MEMBER',
  'CHAT_DIRECT_NOT_ALLOWED',
  'CHAT_RATE_LIMITED',
  'CHAT_TOO_MANY_ATTACHMENTS',
  'CHAT_ATTACHMENT_NOT_YOURS',
  'CHAT_ATTACHMENT_IN_TRASH',
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The JSON body of every 4xx/5xx answer, and the shape errors take over IPC. */
export const ErrorBodySchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  /** Seconds until a retry may succeed (RATE_LIMITED). */
  retryAfter: z.number().int().nonnegative().optional(),
  /** Field-level problems (VALIDATION_FAILED): path → message. */
  fields: z.record(z.string(), z.string()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Default HTTP status for each code the server can send. */
export const ERROR_STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  PHONE_INVALID: 400,
  EMAIL_INVALID: 400,
  NAME_INVALID: 400,
  OTP_INVALID: 400,
  OTP_EXPIRED: 400,
  REGISTRATION_EXPIRED: 400,
  INVITE_MALFORMED: 400,
  CHECKSUM_MISMATCH: 400,
  FILE_NAME_INVALID: 400,
  FILE_NAME_BROKEN: 400,
  FILE_EMPTY: 400,
  FILE_CHANGED: 400,
  UPLOAD_INCOMPLETE: 409,
  RENAME_CONFLICT: 409,
  CHAT_MESSAGE_EMPTY: 400,
  CHAT_MESSAGE_TOO_LONG: 400,
  CHAT_NOT_MEMBER: 404,
  CHAT_DIRECT_NOT_ALLOWED: 403,
  CHAT_RATE_LIMITED: 429,
  CHAT_TOO_MANY_ATTACHMENTS: 400,
  CHAT_ATTACHMENT_NOT_YOURS: 403,
  CHAT_ATTACHMENT_IN_TRASH: 409,
  FILE_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  SESSION_EXPIRED: 401,
  SESSION_REVOKED: 401,
  REFRESH_TOKEN_REUSED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ACCOUNT_NOT_FOUND: 404,
  VKID_NOT_CONFIGURED: 404,
  VKID_UNAVAILABLE: 502,
  VKID_PHONE_IS_STUDENT: 403,
  VKID_NOT_FOR_ACCOUNT: 403,
  VKID_LINKED_ELSEWHERE: 409,
  VKID_LAST_METHOD: 409,
  METHOD_NOT_ALLOWED: 405,
  SYNC_RESYNC_REQUIRED: 409,
  INVITE_PARENT_LIMIT: 409,
  INVITE_SAME_DEVICE: 409,
  INVITE_OWN_LINK: 409,
  INVITE_ALREADY_LINKED: 409,
  PHONE_BELONGS_TO_PARENT: 409,
  PHONE_BELONGS_TO_STUDENT: 409,
  INVITE_EXPIRED: 410,
  INVITE_REVOKED: 410,
  PAYLOAD_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MUTATION_UNKNOWN: 422,
  MUTATION_REJECTED: 422,
  OTP_TOO_MANY_ATTEMPTS: 429,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  OTP_DELIVERY_FAILED: 502,
};

/** An error that carries a code; thrown anywhere, turned into an ErrorBody at a boundary. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfter?: number;
  readonly fields?: Record<string, string>;

  constructor(
    code: ErrorCode,
    message?: string,
    extra: { status?: number; retryAfter?: number; fields?: Record<string, string> } = {},
  ) {
    super(message ?? code);
    this.name = 'AppError';
    this.code = code;
    this.status = extra.status ?? ERROR_STATUS[code] ?? 400;
    if (extra.retryAfter !== undefined) this.retryAfter = extra.retryAfter;
    if (extra.fields !== undefined) this.fields = extra.fields;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.retryAfter !== undefined) body.retryAfter = this.retryAfter;
    if (this.fields !== undefined) body.fields = this.fields;
    return body;
  }

  static fromBody(body: ErrorBody, status?: number): AppError {
    const extra: { status?: number; retryAfter?: number; fields?: Record<string, string> } = {};
    if (status !== undefined) extra.status = status;
    if (body.retryAfter !== undefined) extra.retryAfter = body.retryAfter;
    if (body.fields !== undefined) extra.fields = body.fields;
    return new AppError(body.code, body.message, extra);
  }
}

/** True for anything shaped like an error body, including an AppError rebuilt across a boundary. */
export function hasErrorCode(value: unknown): value is { code: ErrorCode; message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (ERROR_CODES as readonly string[]).includes((value as { code: string }).code)
  );
}

/** Field-level messages from a zod error, keyed by dotted path. */
export function zodFields(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_';
    if (!(key in fields)) fields[key] = issue.message;
  }
  return fields;
}
