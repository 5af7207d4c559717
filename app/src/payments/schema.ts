import { z } from 'zod';
import { bodyId } from '../lib/validate';

export const payBody = z.object({ reservationId: bodyId }).strict();
