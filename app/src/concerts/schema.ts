import { z } from 'zod';
import { id } from '../lib/validate';

// Ranges as patterns, so the API contract states exactly what validation accepts.
export const concertQuery = z.object({
  page: z.string().regex(/^[1-9]\d{0,5}$/, 'an integer from 1 to 999999').transform(Number).default(1),
  size: z.string().regex(/^(100|[1-9]\d?)$/, 'an integer from 1 to 100').transform(Number).default(20),
}).strict();

export const concertParams = z.object({ concertId: id });

export const seatParams = z.object({ concertId: id, scheduleId: id });

export const SEAT_STATUSES = ['AVAILABLE', 'HELD', 'SOLD'] as const;

export const seatQuery = z.object({ status: z.enum(SEAT_STATUSES).optional() }).strict();
