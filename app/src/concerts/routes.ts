import type { IRouter } from 'express';
import { sendCachedData } from '../lib/http';
import type { QueueService } from '../queue/service';
import { parse } from '../lib/validate';
import { concertParams, concertQuery, seatParams, seatQuery } from './schema';
import type { ConcertService } from './service';

export function concertRoutes(router: IRouter, concerts: ConcertService, queue: QueueService) {
  router.get('/concerts', async (req, res) => {
    const { page, size } = parse(concertQuery, req.query);
    sendCachedData(res, await concerts.page(page, size));
  });

  router.get('/concerts/:concertId/schedules', async (req, res) => {
    const { concertId } = parse(concertParams, req.params);
    sendCachedData(res, await concerts.schedules(concertId));
  });

  router.get('/concerts/:concertId/schedules/:scheduleId/seats', async (req, res) => {
    const gate = queue.requireActive(req.get('User-Token'));
    let params;
    try {
      params = { ...parse(seatParams, req.params), ...parse(seatQuery, req.query) };
    } catch (err) {
      await gate; // a token error answers before a validation error
      throw err;
    }
    sendCachedData(res, await concerts.seats(params.concertId, params.scheduleId, params.status, gate));
  });
}
