import type { IRouter } from 'express';
import { sendData } from '../lib/http';
import { idempotencyKey, parse } from '../lib/validate';
import type { QueueService } from '../queue/service';
import { payBody } from './schema';
import type { PaymentService } from './service';

export function paymentRoutes(router: IRouter, payments: PaymentService, queue: QueueService) {
  router.post('/payments', async (req, res) => {
    const holder = await queue.requireActiveOrPaid(req.get('User-Token'));
    const key = parse(idempotencyKey, req.get('Idempotency-Key'));
    const { reservationId } = parse(payBody, req.body);
    const { status, body } = await payments.pay(holder, reservationId, key);
    // The receipt holds only these fields (migration 002); jsonb stores keys shortest first, so
    // they are listed here to answer in the documented order.
    const { id, totalSeats, totalAmount, balance } = body;
    sendData(res, status, { id, reservationId: body.reservationId, status: body.status, totalSeats, totalAmount, balance });
  });
}
