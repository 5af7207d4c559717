import type { FastifyInstance } from 'fastify';
import { header, sendData } from '../lib/http';
import { parse } from '../lib/validate';
import type { QueueService } from '../queue/service';
import { holdBody } from './schema';
import type { ReservationService } from './service';

export function reservationRoutes(api: FastifyInstance, reservations: ReservationService, queue: QueueService) {
  api.post('/reservations', async (req, reply) => {
    const { userId } = await queue.requireActive(header(req, 'user-token'));
    const { scheduleId, seatId } = parse(holdBody, req.body);
    return sendData(reply, 201, await reservations.hold(userId, scheduleId, seatId));
  });
}
