// Time limits on receiving a body: GANFORGE_REQUEST_TIMEOUT_MS for every route but the dataset upload, which gets
// GANFORGE_UPLOAD_TIMEOUT_MS in all and GANFORGE_UPLOAD_IDLE_TIMEOUT_MS without a byte (timedUpload, below).
// Node's own requestTimeout is one value for the whole server, so it is set to the longest bound (app.ts) and the
// shorter one is enforced here, per route.
import { Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import fp from 'fastify-plugin';
import { answerAndClose } from '../client-error.js';
import { RequestTimeoutError } from '../services/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads a long upload itself, bounded by timedUpload rather than GANFORGE_REQUEST_TIMEOUT_MS. */
    longUpload?: boolean;
  }
}

export default fp<{ requestTimeoutMs: number }>(
  async (app, opts) => {
    app.addHook('onRequest', (request, _reply, done) => {
      const raw = request.raw;
      // A request without a body (or with all of it read with the headers) is complete already; app.inject's
      // requests are not sockets, and never slow.
      if (raw.complete || !(raw.socket instanceof Socket) || request.routeOptions.config.longUpload) return done();
      const timer = setTimeout(() => {
        // Fastify is still reading the body, so the answer goes straight to the socket, as Node's own timeout does.
        if (!raw.complete) {
          answerAndClose(raw.socket, 408, 'REQUEST_TIMEOUT', `the request body did not arrive whole within ${opts.requestTimeoutMs} ms (GANFORGE_REQUEST_TIMEOUT_MS)`);
        }
      }, opts.requestTimeoutMs);
      timer.unref();
      raw.once('end', () => clearTimeout(timer));
      raw.once('close', () => clearTimeout(timer));
      done();
    });
  },
  { name: 'request-timeouts' },
);

export interface UploadBounds {
  /** The whole body must arrive within this (GANFORGE_UPLOAD_TIMEOUT_MS). */
  totalMs: number;
  /** At most this long without a byte from the client (GANFORGE_UPLOAD_IDLE_TIMEOUT_MS). */
  idleMs: number;
}

/**
 * The body as a stream that fails with RequestTimeoutError (408) when the client takes too long in all or stops
 * sending. Time spent waiting on our side (the consumer applying backpressure) does not count as the client's stall.
 * The request itself is left open, so the 408 can be answered; the caller calls dispose() when done with it.
 */
export function timedUpload(body: Readable, bounds: UploadBounds): { stream: Readable; dispose(): void } {
  const out = new PassThrough();
  const fail = (detail: string) => out.destroy(new RequestTimeoutError(detail));
  const idle = setTimeout(function check() {
    if (out.writableNeedDrain) idle.refresh();
    else fail(`the upload sent no byte for ${bounds.idleMs} ms (GANFORGE_UPLOAD_IDLE_TIMEOUT_MS)`);
  }, bounds.idleMs);
  const total = setTimeout(() => fail(`the upload did not arrive whole within ${bounds.totalMs} ms (GANFORGE_UPLOAD_TIMEOUT_MS)`), bounds.totalMs);
  const onData = () => idle.refresh();
  const onError = (err: Error) => out.destroy(err);
  // A client that goes away mid-upload: the reader sees an error, as it would reading the request itself.
  const onClose = () => {
    if (!body.readableEnded) out.destroy(Object.assign(new Error('the client closed the connection mid-upload'), { code: 'ECONNRESET' }));
  };
  body.on('data', onData);
  body.on('error', onError);
  body.on('close', onClose);
  body.pipe(out);
  const dispose = () => {
    clearTimeout(idle);
    clearTimeout(total);
    body.off('data', onData);
    body.off('error', onError);
    body.off('close', onClose);
    body.unpipe(out);
  };
  out.once('close', dispose);
  return { stream: out, dispose };
}
