// The BullMQ board (@bull-board) at /admin/queues, read-only, for operators looking at the train queue itself.
import fp from 'fastify-plugin';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { sendProblem } from './error-handler.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

export default fp(
  async (app) => {
    const serverAdapter = new FastifyAdapter().setBasePath(QUEUE_BOARD_PATH);
    createBullBoard({
      // Read-only: a retry, clean or remove from the board would change BullMQ's state behind our job records
      // (a removed job stays "queued" for ever, a retried one reruns a job the API reports as failed).
      queues: [new BullMQAdapter(app.infra.queue, { readOnlyMode: true })],
      serverAdapter,
      options: { uiConfig: { boardTitle: 'ganforge queues' } },
    });

    await app.register(
      async (board) => {
        // The board refuses mutations of a read-only queue itself; refusing every method but GET here does not
        // depend on each of its handlers remembering to.
        board.addHook('onRequest', async (request, reply) => {
          if (request.method === 'GET' || request.method === 'HEAD') return;
          reply.header('allow', 'GET, HEAD');
          return sendProblem(request, reply, 405, 'METHOD_NOT_ALLOWED', 'the queue board is read-only');
        });
        // The page asks Google Fonts for its typeface, which the CSP blocks (style-src 'self') and which would tell
        // Google who looks at the board: the board uses the system fonts instead.
        board.addHook('onSend', async (_request, reply, payload) => {
          if (typeof payload !== 'string' || !String(reply.getHeader('content-type')).startsWith('text/html')) return payload;
          return payload.replace(/<link[^>]+href="https:\/\/fonts\.googleapis\.com\/[^>]*>/g, '');
        });
        await board.register(serverAdapter.registerPlugin());
      },
      { prefix: QUEUE_BOARD_PATH },
    );
  },
  { name: 'queue-board', dependencies: ['infrastructure', 'error-handler'] },
);
