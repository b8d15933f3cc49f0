import type { TFunction } from 'i18next';
import { hasErrorCode } from '../../shared/errors.js';

/**
 * The sentence a parent reads for anything thrown: an error with a known code maps
 * to `errors.<CODE>` (RATE_LIMITED with its retryAfter); anything else is generic.
 */
export function errorMessage(t: TFunction, error: unknown): string {
  if (!hasErrorCode(error)) return t('errors.generic');
  const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
  const seconds = typeof retryAfter === 'number' && retryAfter > 0 ? Math.ceil(retryAfter) : 60;
  return t(`errors.${error.code}`, { seconds, wait: waitText(t, seconds) });
}

/** A wait as a parent reads it: seconds up to two minutes, minutes up to two hours, then hours. */
export function waitText(t: TFunction, seconds: number): string {
  if (seconds < 120) return t('common.waitSeconds', { count: seconds });
  if (seconds < 7200) return t('common.waitMinutes', { count: Math.ceil(seconds / 60) });
  return t('common.waitHours', { count: Math.ceil(seconds / 3600) });
}

/** Field-level problems of a VALIDATION_FAILED error, if any (path → server message). */
export function errorFields(error: unknown): Record<string, string> {
  const fields = (error as { fields?: unknown } | null)?.fields;
  return fields && typeof fields === 'object' ? (fields as Record<string, string>) : {};
}
