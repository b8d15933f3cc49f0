import type { z } from 'zod';
import { AppError, zodFields } from '../../shared/errors.js';

export type InputPart = 'body' | 'query' | 'params' | 'headers';

/**
 * The one place request input meets the shared schemas: anything that does not parse
 * becomes a 400 VALIDATION_FAILED with per-field messages, never a 500 further in.
 * Body fields are keyed by their own path ("phone"); other parts are prefixed ("query.limit").
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: InputPart): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = zodFields(result.error);
  const keyed =
    part === 'body'
      ? fields
      : Object.fromEntries(Object.entries(fields).map(([k, v]) => [k === '_' ? part : `${part}.${k}`, v]));
  const where = part === 'body' ? 'request body' : part;
  throw new AppError('VALIDATION_FAILED', `The ${where} is not valid.`, { fields: keyed });
}
