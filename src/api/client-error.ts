// Requests Node's HTTP parser refuses before Fastify sees them (a bad Content-Length, Content-Length with
// Transfer-Encoding, oversized headers, a body too slow to arrive) get a problem+json answer like every other error.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE } from './schemas/responses.js';

const KINDS: Record<string, { status: number; code: string; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'REQUEST_TIMEOUT',
    detail: 'the request did not arrive whole in time (GANFORGE_REQUEST_TIMEOUT_MS; GANFORGE_UPLOAD_TIMEOUT_MS for a dataset upload)',
  },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'HEADERS_TOO_LARGE', detail: 'the request headers are larger than the server accepts' },
};
const MALFORMED = { status: 400, code: 'MALFORMED_REQUEST', detail: 'the request is not valid HTTP/1.1 (its framing or headers could not be parsed)' };

/** For fastify's clientErrorHandler: writes the problem document straight to the socket and closes it. */
export function handleClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, detail } = KINDS[err.code ?? ''] ?? MALFORMED;
  answerAndClose(socket, status, code, detail, err);
}

/** Writes a problem document as the whole HTTP answer, bypassing Fastify (which may be mid-way through the request). */
export function answerAndClose(socket: Socket, status: number, code: string, detail: string, err?: Error): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({
    type: `urn:ganforge:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: STATUS_CODES[status],
    status,
    detail,
    instance: '',
    code,
    requestId: '',
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\nX-Content-Type-Options: nosniff\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
