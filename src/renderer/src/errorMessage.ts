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
  return t(`errors.${error.code}`, { seconds });
}

/** Field-level problems of a VALIDATION_FAILED error, if any (path → server message). */
export function errorFields(error: unknown): Record<string, string> {
  const fields = (error as { fields?: unknown } | null)?.fields;
  return fields && typeof fields === 'object' ? (fields as Record<string, string>) : {};
}
