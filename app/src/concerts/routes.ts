import type { IRouter, Response } from 'express';
import type { QueueService } from '../queue/service';
import { parse } from '../lib/validate';
import { concertParams, concertQuery, seatParams, seatQuery } from './schema';
import type { ConcertService } from './service';

const sendData = (res: Response, json: string) => res.type('application/json').send(`{"data":${json}}`);

export function concertRoutes(router: IRouter, concerts: ConcertService, queue: QueueService) {
  router.get('/concerts', async (req, res) => {
    const { page, size } = parse(concertQuery, req.query);
    sendData(res, await concerts.page(page, size));
  });

  router.get('/concerts/:concertId/schedules', async (req, res) => {
    const { concertId } = parse(concertParams, req.params);
    sendData(res, await concerts.schedules(concertId));
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
    sendData(res, await concerts.seats(params.concertId, params.scheduleId, params.status, gate));
  });
}
