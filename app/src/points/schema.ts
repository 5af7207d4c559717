import { z } from 'zod';
import { id } from '../lib/validate';

export const userParams = z.object({ userId: id });

export const chargeBody = (maxAmount: number) => z.object({
  amount: z.number().int().positive().max(maxAmount),
}).strict();
