import { z } from 'zod';
import { bodyId } from '../lib/validate';

export const issueBody = z.object({ userId: bodyId }).strict();
