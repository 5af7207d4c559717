import { z } from 'zod';
import { bodyId } from '../lib/validate';

export const holdBody = z.object({ scheduleId: bodyId, seatId: bodyId }).strict();
