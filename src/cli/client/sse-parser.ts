// Reads a text/event-stream body into events, as the HTML spec's EventSource does: id, event, multi-line data, retry.

export interface SseEvent {
  /** The last id seen on the stream (ids carry over to later events that have none). */
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseState {
  /** The stream's last event id: what to send as Last-Event-ID when reconnecting. */
  lastEventId: string | undefined;
  /** The server's `retry:` advice in milliseconds, if it gave one. */
  retryMs: number | undefined;
}

/** Yields each dispatched event; `state` is updated as the stream goes (also by events without data). */
export async function* readSse(body: ReadableStream<Uint8Array>, state: SseState): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];

  const line = (text: string): SseEvent | undefined => {
    if (text === '') {
      const dispatched = data.length > 0 ? { id: state.lastEventId, event: event || 'message', data: data.join('\n') } : undefined;
      event = '';
      data = [];
      return dispatched;
    }
    if (text.startsWith(':')) return undefined;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) state.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) state.retryMs = Number(value);
    return undefined;
  };

  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      // A trailing \r may be the first half of \r\n: keep it until the next chunk says.
      const lines = buffer.split(/\r\n|\r(?!$)|\n/);
      buffer = lines.pop()!;
      for (const text of lines) {
        const e = line(text);
        if (e) yield e;
      }
    }
  } finally {
    // Also when the consumer stops early: the connection is released rather than left half-read.
    await reader.cancel().catch(() => undefined);
  }
  // An event not closed by a blank line when the stream ends is dropped, as the spec says.
}
