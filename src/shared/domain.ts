import { z } from 'zod';
import { hasHiddenCharacters, hasLoneSurrogate } from './text.js';

/** Roles a person can have on the platform. */
export const RoleSchema = z.enum(['parent', 'student', 'teacher', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

/**
 * The field message of a name part refused for an invisible or control character (a
 * direction mark, a zero-width space, a BOM pasted with the name) or a broken one (a lone
 * surrogate). Checked before anything is trimmed, so nothing is dropped silently: the
 * person sees the refusal and types the name again; the UI shows its own sentence for it.
 */
export const NAME_HIDDEN_CHARACTERS =
  'has an invisible or control character (such as a direction mark or a zero-width space); type it again';

/** Text with nothing that hides, reorders or breaks what it shows (see text.ts). */
export function isPlainText(value: string): boolean {
  return !hasHiddenCharacters(value) && !hasLoneSurrogate(value);
}

const LETTERS = 'letters, spaces, hyphens and apostrophes only';
const plainName = () =>
  z.string().refine(isPlainText, { message: NAME_HIDDEN_CHARACTERS, abort: true }).trim().normalize('NFC');
const namePart = plainName()
  .min(1)
  .max(60)
  .regex(/^[\p{L}][\p{L}\p{M}' -]*$/u, LETTERS);

/** Surname, name and patronymic, as a person registers them. Patronymic may be empty. */
export const PersonNameSchema = z.object({
  surname: namePart,
  name: namePart,
  patronymic: plainName()
    .max(60)
    .regex(/^(?:[\p{L}][\p{L}\p{M}' -]*)?$/u, LETTERS)
    .default(''),
});
export type PersonName = z.infer<typeof PersonNameSchema>;

export const SchoolRefSchema = z.object({ id: z.string(), name: z.string() });
export const ClassRefSchema = z.object({ id: z.string(), name: z.string() });

/** The signed-in person as the UI shows them; also the `profile` record of the sync feed. */
export const ProfileSchema = z.object({
  id: z.string(),
  role: RoleSchema,
  surname: z.string(),
  name: z.string(),
  patronymic: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  birthDate: z.string().nullable(),
  school: SchoolRefSchema.nullable(),
  class: ClassRefSchema.nullable(),
  updatedAt: z.string(),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** One device's session, as listed in "sessions on other devices". */
export const SessionInfoSchema = z.object({
  id: z.string(),
  deviceName: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

/** A device id: one per app install and per local account, one per browser in the web version. */
export const DeviceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
