import type { IRouter } from 'express';
import { sendData } from '../lib/http';
import { parse } from '../lib/validate';
import { issueBody } from './schema';
import type { QueueService } from './service';

export function queueRoutes(router: IRouter, queue: QueueService) {
  router.post('/queue/token', async (req, res) => {
    const { userId } = parse(issueBody, req.body);
    const { created, view } = await queue.issue(userId);
    sendData(res, created ? 201 : 200, view);
  });

  router.get('/queue/status', async (req, res) => {
    sendData(res, 200, await queue.status(req.get('User-Token')));
  });
}
