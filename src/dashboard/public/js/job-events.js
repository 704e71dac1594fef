// Follows a job's SSE stream with EventSource, which reconnects by itself and resumes with Last-Event-ID.

const EVENTS = ['progress', 'metrics', 'sample', 'checkpoint', 'quality', 'status'];

export class JobEvents {
  /** @param {string} url @param {Partial<Record<'progress'|'metrics'|'sample'|'checkpoint'|'quality'|'status'|'error', (data: any) => void>>} handlers */
  constructor(url, handlers) {
    this.source = new EventSource(url);
    for (const name of EVENTS) {
      if (!handlers[name]) continue;
      this.source.addEventListener(name, (e) => {
        let data;
        try {
          data = JSON.parse(e.data);
        } catch {
          return;
        }
        handlers[name](data);
      });
    }
    if (handlers.error) this.source.addEventListener('error', () => handlers.error());
  }

  close() {
    this.source.close();
  }
}
