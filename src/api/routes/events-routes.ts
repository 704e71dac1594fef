// GET /jobs/:id/events: a job's events as Server-Sent Events, from the start, after Last-Event-ID or from now, until it ends.
import { once } from 'node:events';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { JOB_EVENTS } from '../../contract/job.js';
import { STREAM_ID, isStreamId, type JobEvent } from '../../jobs/event-log.js';
import { jobParamsSchema } from '../schemas/job-schemas.js';
import { problemResponse, problemResponses } from '../schemas/responses.js';
import { withHeaders } from '../schemas/openapi-transforms.js';
import { normalizeIP } from '@fastify/rate-limit';
import { ClientSlots } from '../services/client-slots.js';
import { TooManyStreamsError } from '../services/errors.js';

const HEARTBEAT_MS = 15_000;

const headersSchema = z.looseObject({
  'last-event-id': z
    .string()
    .regex(STREAM_ID, { message: 'not an event id sent by this stream', abort: true })
    // Each part must also fit 64 bits, or Redis refuses the read.
    .refine(isStreamId, 'not an event id sent by this stream')
    .optional()
    .describe('Resume after this event (browsers send it when they reconnect)'),
});

const querySchema = z.object({
  from: z
    .enum(['start', 'now'])
    .default('start')
    .describe(
      "Where a stream without Last-Event-ID begins: 'start' replays the job's events from the first, 'now' sends only " +
        'events appended after the request (read GET /jobs/{id} once it has opened, and miss nothing). Last-Event-ID wins.',
    ),
});

const streamSchema = z.string().describe(
  `text/event-stream: events ${JOB_EVENTS.join(', ')}, each with id (a Redis stream id), event and a JSON data line; ` +
    'comment lines as heartbeats every 15 s. The stream ends after the status event that ends the job: a terminal ' +
    'status with no event after it (a resumed job has an earlier terminal status, followed by its new run). With ' +
    'from=now it opens with an id line and no event, the position it starts from, so a reconnect resumes there.',
);

function frame(e: JobEvent): string {
  return `id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/** Writes, waiting for the socket to drain when the client reads slowly; false once the client is gone. */
async function write(raw: ServerResponse, chunk: string, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted || raw.destroyed) return false;
  if (raw.write(chunk)) return true;
  try {
    await once(raw, 'drain', { signal });
    return true;
  } catch {
    return false;
  }
}

const eventsRoutes: FastifyPluginAsyncZod<{ maxPerClient: number; maxSeconds: number }> = async (app, opts) => {
  const slots = new ClientSlots(opts.maxPerClient);
  // Open streams, ended (synchronously, before the server stops accepting) so app.close() does not wait for clients.
  const open = new Map<AbortController, ServerResponse>();
  app.addHook('preClose', async () => {
    for (const [ac, raw] of open) {
      ac.abort();
      raw.end();
    }
  });

  app.get(
    '/jobs/:id/events',
    {
      // A HEAD would open a stream with nothing to send it to.
      exposeHeadRoute: false,
      schema: {
        operationId: 'streamJobEvents',
        summary: "A job's events, live (Server-Sent Events)",
        description:
          'Replays the job\'s events from the start (or after Last-Event-ID; none with from=now), then follows new ' +
          'ones: progress, metrics, sample, checkpoint and status. Ends when the job ends: after a terminal status ' +
          'event that no later event follows, or right after the replay when the job has already finished. A job ' +
          'resumed with POST /jobs/{id}/resume has an earlier terminal status in its stream followed by a `queued` ' +
          'status and the new run; a replay goes past it to the final status. 204 when a finished job has nothing ' +
          'after Last-Event-ID (with from=now: when the job has already finished). A stream is closed after ' +
          'GANFORGE_SSE_MAX_SECONDS (default 30 min): reconnect with Last-Event-ID, as EventSource does by itself.',
        tags: ['artifacts'],
        params: jobParamsSchema,
        querystring: querySchema,
        headers: headersSchema,
        response: {
          200: { description: 'Event stream', content: { 'text/event-stream': { schema: streamSchema } } },
          204: z
            .undefined()
            .describe('The job has finished and there is no event after Last-Event-ID or now (EventSource stops reconnecting)'),
          ...problemResponses({ 400: 'Malformed Last-Event-ID or from', 404: 'No such job' }),
          429: withHeaders(problemResponse('This client has GANFORGE_SSE_MAX_PER_CLIENT streams open already (code TOO_MANY_STREAMS)'), {
            'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'string' }, required: true },
          }),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const resumeId = request.headers['last-event-id'];
      // Last-Event-ID is a reconnect, which carries on where it broke off; ?from only places a first connection.
      const startsNow = resumeId === undefined && request.query.from === 'now';
      const afterId = resumeId ?? (startsNow ? await app.services.events.latestId(id) : '0');
      if (await app.services.events.isExhausted(id, afterId)) return reply.code(204).send();
      const release = slots.acquire(normalizeIP(request.ip));
      if (!release) {
        throw new TooManyStreamsError(`this client has ${opts.maxPerClient} event streams open already; close one`, { retryAfterSeconds: 5 });
      }
      reply.hijack();
      const raw = reply.raw;
      // What the hooks set (security headers, CORS, rate-limit counts) is kept: a hijacked reply would drop it.
      raw.writeHead(200, {
        ...(reply.getHeaders() as OutgoingHttpHeaders),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
        // The socket is not reused after a stream: nothing keeps a closing server waiting for it.
        connection: 'close',
      });
      const ac = new AbortController();
      open.set(ac, raw);
      raw.on('close', () => ac.abort());
      // A stream ends after GANFORGE_SSE_MAX_SECONDS; EventSource reconnects (retry: 2000) with Last-Event-ID.
      const lifetime = setTimeout(() => ac.abort(), opts.maxSeconds * 1000);
      const heartbeat = setInterval(() => void write(raw, ': heartbeat\n\n', ac.signal), HEARTBEAT_MS);
      try {
        // An id line with no data sets EventSource's last event id without an event: a from=now stream broken before
        // its first event then resumes from where it began, not from now again (which would skip what came between).
        const position = startsNow ? `id: ${afterId}\n` : '';
        await write(raw, `retry: 2000\n${position}\n`, ac.signal);
        for await (const e of app.services.events.follow(id, { afterId, signal: ac.signal })) {
          if (!(await write(raw, frame(e), ac.signal))) break;
        }
      } catch (err) {
        if (!ac.signal.aborted) request.log.warn({ err }, 'event stream failed');
      } finally {
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        release();
        open.delete(ac);
        raw.end();
      }
    },
  );
};

export default eventsRoutes;
