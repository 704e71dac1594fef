// `ganforge watch` against a scripted API: it streams from now, misses nothing between its reads, resumes by id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ID = '00000000-0000-4000-8000-000000000001';

type Status = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

function job(status: Status, iteration: number) {
  return {
    id: ID,
    name: 'scripted',
    status,
    progress: { iteration, iterations: 60, itPerSec: null, etaSeconds: null },
    latest: null,
    startedAt: null,
    finishedAt: null,
    error: status === 'failed' ? 'out of memory' : null,
  };
}

const frame = (id: string, event: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

interface Script {
  /** Answers GET /jobs/ID, given how many times it was asked before. */
  job(call: number): ReturnType<typeof job>;
  /** Writes the n-th event stream (0-based) and ends it; `jobRead` resolves once the first GET /jobs/ID is answered. */
  events(n: number, res: http.ServerResponse, jobRead: Promise<void>): Promise<void>;
}

/** Runs `ganforge watch ID` against a server playing `script`; returns the CLI's output and what it asked, in order. */
async function watchAgainst(script: Script) {
  const requests: string[] = [];
  let jobCalls = 0;
  let eventCalls = 0;
  let jobReadDone!: () => void;
  const jobRead = new Promise<void>((resolve) => (jobReadDone = resolve));
  const server = http.createServer((req, res) => {
    const lastEventId = req.headers['last-event-id'];
    requests.push(`${req.url}${lastEventId ? ` after ${lastEventId}` : ''}`);
    if (req.url === `/jobs/${ID}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(script.job(jobCalls++)));
      jobReadDone();
    } else if (req.url?.startsWith(`/jobs/${ID}/events?`)) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      void script.events(eventCalls++, res, jobRead).finally(() => res.end());
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ganforge.ts', 'watch', ID], {
      cwd: ROOT,
      env: { ...process.env, GANFORGE_API: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stdout, stderr, requests };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('watch opens the stream from now before reading the job, and resumes after the id the stream opened with', async () => {
  const run = await watchAgainst({
    job: (call) => (call < 3 ? job('running', [30, 40, 50][call]!) : job('completed', 60)),
    async events(n, res, jobRead) {
      if (n === 0) {
        // Opened before the job was read; a sample written between the two comes on the stream after the read.
        res.write('retry: 10\nid: 5-0\n\n');
        await jobRead;
        res.write(frame('6-0', 'sample', { id: 's40', iteration: 40, url: '/samples/s40.png', createdAt: '2026-01-01T00:00:00.000Z' }));
      } else if (n === 1) {
        // A balancer dropped the first stream: the reconnect carries on after its last id.
        res.write(frame('7-0', 'checkpoint', { iteration: 50, size: 1024 * 1024, createdAt: '2026-01-01T00:00:00.000Z' }));
      } else {
        res.write(frame('8-0', 'status', { status: 'completed', error: null }));
      }
    },
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(run.requests, [
    `/jobs/${ID}/events?from=now`,
    `/jobs/${ID}`,
    `/jobs/${ID}`,
    `/jobs/${ID}/events?from=start after 6-0`,
    `/jobs/${ID}`,
    `/jobs/${ID}/events?from=start after 7-0`,
    `/jobs/${ID}`,
  ]);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines[0], `watching scripted (${ID}): running, iteration 30/60`);
  assert.match(run.stdout, /^sample {5}iteration 40 {2}http:\/\/127\.0\.0\.1:\d+\/samples\/s40\.png$/m);
  assert.match(run.stdout, /^checkpoint iteration 50 {2}1\.0 MB$/m);
  assert.match(lines.at(-1)!, /^completed: iteration 60\/60/);
});

test('a stream that ends before its first event is resumed from where it opened, not from now again', async () => {
  const run = await watchAgainst({
    job: (call) => (call < 2 ? job('queued', 0) : job('failed', 3)),
    async events(n, res, jobRead) {
      if (n === 0) {
        res.write('retry: 10\nid: 5-0\n\n');
        await jobRead;
      } else {
        res.write(frame('6-0', 'status', { status: 'failed', error: 'out of memory' }));
      }
    },
  });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.deepEqual(run.requests.filter((r) => r.includes('/events')), [`/jobs/${ID}/events?from=now`, `/jobs/${ID}/events?from=start after 5-0`]);
  assert.match(run.stdout.trim().split('\n').at(-1)!, /^failed at iteration 3\/60: out of memory$/);
});

test('a job that ends between the stream opening and the read ends the watch at once', async () => {
  // The read already sees it finished: the verdict comes from the read, the open stream is let go.
  const finished = await watchAgainst({
    job: () => job('completed', 60),
    async events(_n, res) {
      res.write('retry: 10\nid: 5-0\n\n');
      res.write(frame('6-0', 'status', { status: 'completed', error: null }));
    },
  });
  assert.equal(finished.code, 0, finished.stdout + finished.stderr);
  assert.deepEqual(finished.requests, [`/jobs/${ID}/events?from=now`, `/jobs/${ID}`]);

  // The read still sees it running: the stream brings the end.
  const cancelled = await watchAgainst({
    job: (call) => (call === 0 ? job('running', 10) : job('cancelled', 12)),
    async events(_n, res, jobRead) {
      res.write('retry: 10\nid: 5-0\n\n');
      res.write(frame('6-0', 'status', { status: 'cancelled', error: null }));
      await jobRead;
    },
  });
  assert.equal(cancelled.code, 1, cancelled.stdout + cancelled.stderr);
  assert.deepEqual(cancelled.requests, [`/jobs/${ID}/events?from=now`, `/jobs/${ID}`, `/jobs/${ID}`]);
  assert.match(cancelled.stdout, /^cancelled at iteration 12\/60$/m);
});
