import { z } from 'zod';
import { id } from '../lib/validate';

const pageNumber = z.string().regex(/^\d{1,6}$/, 'a non-negative integer').transform(Number);

export const concertQuery = z.object({
  page: pageNumber.pipe(z.number().min(1)).default(1),
  size: pageNumber.pipe(z.number().min(1).max(100)).default(20),
}).strict();

export const concertParams = z.object({ concertId: id });

export const seatParams = z.object({ concertId: id, scheduleId: id });

export const seatQuery = z.object({ status: z.enum(['AVAILABLE', 'HELD', 'SOLD']).optional() }).strict();
