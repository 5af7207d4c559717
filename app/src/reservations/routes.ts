import type { IRouter } from 'express';
import { parse } from '../lib/validate';
import type { QueueService } from '../queue/service';
import { holdBody } from './schema';
import type { ReservationService } from './service';

export function reservationRoutes(router: IRouter, reservations: ReservationService, queue: QueueService) {
  router.post('/reservations', async (req, res) => {
    const { userId } = await queue.requireActive(req.get('User-Token'));
    const { scheduleId, seatId } = parse(holdBody, req.body);
    res.status(201).json({ data: await reservations.hold(userId, scheduleId, seatId) });
  });
}
