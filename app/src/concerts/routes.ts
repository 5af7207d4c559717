import type { FastifyInstance } from 'fastify';
import { header, sendCachedData } from '../lib/http';
import type { QueueService } from '../queue/service';
import { parse } from '../lib/validate';
import { concertParams, concertQuery, seatParams, seatQuery } from './schema';
import type { ConcertService } from './service';

export function concertRoutes(api: FastifyInstance, concerts: ConcertService, queue: QueueService) {
  api.get('/concerts', async (req, reply) => {
    const { page, size } = parse(concertQuery, req.query);
    return sendCachedData(reply, await concerts.page(page, size));
  });

  api.get('/concerts/:concertId/schedules', async (req, reply) => {
    const { concertId } = parse(concertParams, req.params);
    return sendCachedData(reply, await concerts.schedules(concertId));
  });

  api.get('/concerts/:concertId/schedules/:scheduleId/seats', async (req, reply) => {
    const gate = queue.requireActive(header(req, 'user-token'));
    let params;
    try {
      params = { ...parse(seatParams, req.params), ...parse(seatQuery, req.query) };
    } catch (err) {
      await gate; // a token error answers before a validation error
      throw err;
    }
    return sendCachedData(reply, await concerts.seats(params.concertId, params.scheduleId, params.status, gate));
  });
}
