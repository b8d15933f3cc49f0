import { z } from 'zod';

/** Roles a person can have on the platform. */
export const RoleSchema = z.enum(['parent', 'student', 'teacher', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

const namePart = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .regex(/^[\p{L}][\p{L}\p{M}' -]*$/u, 'letters, spaces, hyphens and apostrophes only');

/** Surname, name and patronymic, as a person registers them. Patronymic may be empty. */
export const PersonNameSchema = z.object({
  surname: namePart,
  name: namePart,
  patronymic: z.union([namePart, z.literal('')]).default(''),
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
