import type { IRouter } from 'express';
import { sendData } from '../lib/http';
import { idempotencyKey, parse } from '../lib/validate';
import { chargeBody, userParams } from './schema';
import type { PointService } from './service';

export function pointRoutes(router: IRouter, points: PointService, maxChargeAmount: number) {
  const body = chargeBody(maxChargeAmount);

  router.get('/users/:userId/points', async (req, res) => {
    const { userId } = parse(userParams, req.params);
    sendData(res, 200, await points.balance(userId));
  });

  router.post('/users/:userId/points/charge', async (req, res) => {
    const { userId } = parse(userParams, req.params);
    const key = parse(idempotencyKey, req.get('Idempotency-Key'));
    const { amount } = parse(body, req.body);
    const outcome = await points.charge(userId, amount, key);
    sendData(res, outcome.status, outcome.body);
  });
}
