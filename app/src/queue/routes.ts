import type { IRouter } from 'express';
import { parse } from '../lib/validate';
import { issueBody } from './schema';
import type { QueueService } from './service';

export function queueRoutes(router: IRouter, queue: QueueService) {
  router.post('/queue/token', async (req, res) => {
    const { userId } = parse(issueBody, req.body);
    const { created, view } = await queue.issue(userId);
    res.status(created ? 201 : 200).json({ data: view });
  });

  router.get('/queue/status', async (req, res) => {
    res.json({ data: await queue.status(req.get('User-Token')) });
  });
}
