import type { IRouter } from 'express';
import { sendData } from '../lib/http';
import { parse } from '../lib/validate';
import type { QueueService } from '../queue/service';
import { holdBody } from './schema';
import type { ReservationService } from './service';

export function reservationRoutes(router: IRouter, reservations: ReservationService, queue: QueueService) {
  router.post('/reservations', async (req, res) => {
    const { userId } = await queue.requireActive(req.get('User-Token'));
    const { scheduleId, seatId } = parse(holdBody, req.body);
    sendData(res, 201, await reservations.hold(userId, scheduleId, seatId));
  });
}
