import type { FastifyInstance } from 'fastify';
import { header, sendData } from '../lib/http';
import { parse } from '../lib/validate';
import { issueBody } from './schema';
import type { QueueService } from './service';

export function queueRoutes(api: FastifyInstance, queue: QueueService) {
  api.post('/queue/token', async (req, reply) => {
    const { userId } = parse(issueBody, req.body);
    const { created, view } = await queue.issue(userId);
    return sendData(reply, created ? 201 : 200, view);
  });

  api.get('/queue/status', async (req, reply) => {
    return sendData(reply, 200, await queue.status(header(req, 'user-token')));
  });
}
