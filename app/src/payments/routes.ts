import type { FastifyInstance } from 'fastify';
import { header, sendData } from '../lib/http';
import { idempotencyKey, parse } from '../lib/validate';
import type { QueueService } from '../queue/service';
import { payBody } from './schema';
import type { PaymentService } from './service';

export function paymentRoutes(api: FastifyInstance, payments: PaymentService, queue: QueueService) {
  api.post('/payments', async (req, reply) => {
    const holder = await queue.requireActiveOrPaid(header(req, 'user-token'));
    const key = parse(idempotencyKey, header(req, 'idempotency-key'));
    const { reservationId } = parse(payBody, req.body);
    const { status, body } = await payments.pay(holder, reservationId, key);
    // The receipt holds only these fields (migration 002); jsonb stores keys shortest first, so
    // they are listed here to answer in the documented order.
    const { id, totalSeats, totalAmount, balance } = body;
    return sendData(reply, status, { id, reservationId: body.reservationId, status: body.status, totalSeats, totalAmount, balance });
  });
}
