import { z } from 'zod';
import { AppError } from './errors';

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError(400, 'VALIDATION_ERROR', 'the request is not valid',
    result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
}

/** A database id as it appears in a path: a positive safe integer. */
export const id = z.string().regex(/^[1-9]\d{0,14}$/, 'a positive integer id').transform(Number);

export const bodyId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const idempotencyKey = z.string({ error: 'the Idempotency-Key header is required' })
  .min(1).max(255).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
