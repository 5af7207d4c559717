import type { FastifyInstance } from 'fastify';
import { header, sendData } from '../lib/http';
import { idempotencyKey, parse } from '../lib/validate';
import { chargeBody, userParams } from './schema';
import type { PointService } from './service';

export function pointRoutes(api: FastifyInstance, points: PointService, maxChargeAmount: number) {
  const body = chargeBody(maxChargeAmount);

  api.get('/users/:userId/points', async (req, reply) => {
    const { userId } = parse(userParams, req.params);
    return sendData(reply, 200, await points.balance(userId));
  });

  api.post('/users/:userId/points/charge', async (req, reply) => {
    const { userId } = parse(userParams, req.params);
    const key = parse(idempotencyKey, header(req, 'idempotency-key'));
    const { amount } = parse(body, req.body);
    const outcome = await points.charge(userId, amount, key);
    return sendData(reply, outcome.status, outcome.body);
  });
}
