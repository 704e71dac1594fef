// The BullMQ board (@bull-board) at /admin/queues, read-only, for operators looking at the train queue itself.
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { PROBLEM_CONTENT_TYPE } from '../schemas/responses.js';
import { codeOfStatus, internalErrorDetail, problemDocument, sendProblem } from './error-handler.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

/** What bull-board answers a refusal with: a translation key for its page, e.g. ERRORS.QUEUE_NOT_FOUND, and more. */
interface BoardError {
  error?: string | { key?: unknown; options?: Record<string, unknown> };
}

/**
 * bull-board's error body as problem+json. Its `error` member stays, as an extension member: the board's page shows
 * its notices from it. On a 5xx nothing else of it does: the log has it.
 */
export function boardProblem(request: FastifyRequest, status: number, payload: unknown) {
  let said: BoardError = {};
  try {
    said = JSON.parse(String(payload)) as BoardError;
  } catch {
    // Not JSON after all: the status says enough.
  }
  if (status >= 500) {
    request.log.error({ board: said }, 'queue board failed');
    const problem = problemDocument(request, status, 'INTERNAL', internalErrorDetail(request));
    return { ...problem, error: { key: 'ERRORS.INTERNAL_SERVER_ERROR' } };
  }
  const error = typeof said.error === 'string' ? { key: said.error } : said.error;
  const key = typeof error?.key === 'string' ? error.key.replace(/^ERRORS\./, '') : 'no reason given';
  const field = typeof error?.options?.field === 'string' ? ` (${error.options.field})` : '';
  const problem = problemDocument(request, status, codeOfStatus(status), `the queue board refused the request: ${key}${field}`);
  return { ...problem, ...(error ? { error } : {}) };
}

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
    // What the board throws (Redis gone, a rate limit, a malformed request) goes on to the API's error handler, as
    // Fastify does when an error handler throws: bull-board's own would answer it with the error's message, 500 or not.
    serverAdapter.setErrorHandler((err) => {
      throw err;
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
        // What the board's handlers answer themselves (an unknown queue or job, a bad query) becomes problem+json.
        board.addHook('onSend', async (request, reply, payload) => {
          if (reply.statusCode < 400 || !String(reply.getHeader('content-type')).startsWith('application/json')) return payload;
          reply.header('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
          return JSON.stringify(boardProblem(request, reply.statusCode, payload));
        });
        await board.register(serverAdapter.registerPlugin());
      },
      { prefix: QUEUE_BOARD_PATH },
    );
  },
  { name: 'queue-board', dependencies: ['infrastructure', 'error-handler'] },
);
