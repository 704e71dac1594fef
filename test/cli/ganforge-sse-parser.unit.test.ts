// The client's text/event-stream reader: fields, multi-line data, ids carried over, comments, and chunk boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, type SseEvent, type SseState } from '../../src/cli/client/sse-parser.js';

/** Reads `chunks` as one stream, each string one network chunk. */
async function read(chunks: string[]): Promise<{ events: SseEvent[]; state: SseState }> {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
  const state: SseState = { lastEventId: undefined, retryMs: undefined };
  const events: SseEvent[] = [];
  for await (const e of readSse(body, state)) events.push(e);
  return { events, state };
}

test('events with ids, names and JSON data, as the API sends them', async () => {
  const { events, state } = await read([
    'retry: 2000\n\n',
    'id: 1-0\nevent: progress\ndata: {"iteration":1}\n\n',
    ': heartbeat\n\n',
    'id: 2-0\nevent: status\ndata: {"status":"completed"}\n\n',
  ]);
  assert.deepEqual(events, [
    { id: '1-0', event: 'progress', data: '{"iteration":1}' },
    { id: '2-0', event: 'status', data: '{"status":"completed"}' },
  ]);
  assert.equal(state.lastEventId, '2-0');
  assert.equal(state.retryMs, 2000);
});

test('multi-line data, default event name, an id carried to later events, no space after the colon', async () => {
  const { events } = await read(['id: 7\ndata: a\ndata: b\n\n', 'data:c\n\n']);
  assert.deepEqual(events, [
    { id: '7', event: 'message', data: 'a\nb' },
    { id: '7', event: 'message', data: 'c' },
  ]);
});

test('any split across chunks, \\r\\n split between two chunks, and multi-byte characters cut in half', async () => {
  const text = 'id: 3-1\r\nevent: sample\r\ndata: {"name":"ü"}\r\n\r\n';
  const bytes = new TextEncoder().encode(text);
  for (let cut = 1; cut < bytes.length; cut++) {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });
    const state: SseState = { lastEventId: undefined, retryMs: undefined };
    const events: SseEvent[] = [];
    for await (const e of readSse(body, state)) events.push(e);
    assert.deepEqual(events, [{ id: '3-1', event: 'sample', data: '{"name":"ü"}' }], `cut at byte ${cut}`);
  }
});

test('an event the stream ends in the middle of is not dispatched', async () => {
  const { events, state } = await read(['id: 1\ndata: whole\n\n', 'id: 2\ndata: half']);
  assert.deepEqual(events.map((e) => e.data), ['whole']);
  assert.equal(state.lastEventId, '2');
});
