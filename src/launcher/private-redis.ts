// A redis-server of the launcher's own, for machines without one: a free loopback port, AOF data under the data dir.
import { accessSync, constants, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './free-port.js';
import { ManagedChild, describeExit, type ChildOptions } from './managed-child.js';
import { AppError } from '../errors.js';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;
/** A port found free can be taken before redis-server binds it; then it exits at once and we try another. */
const PORT_ATTEMPTS = 3;

export class PrivateRedisError extends AppError {
  readonly code = 'PRIVATE_REDIS';
  readonly status = 500;
  readonly retry = 'permanent';
}

/** The absolute path of an executable named `name` on `searchPath` (a PATH string), if any. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface PrivateRedis {
  child: ManagedChild;
  url: string;
  dir: string;
}

/**
 * Starts `binary` on a free port with its data in `dataDir`/redis: AOF on with fsync every second, and noeviction,
 * which BullMQ requires. Resolves once it answers PING.
 */
export async function startPrivateRedis(binary: string, dataDir: string, options: ChildOptions): Promise<PrivateRedis> {
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let lastFailure = '';
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freePort(HOST);
    const child = new ManagedChild(
      'redis',
      binary,
      [
        '--port', String(port),
        '--bind', HOST,
        '--protected-mode', 'yes',
        '--dir', dir,
        '--appendonly', 'yes',
        '--appendfsync', 'everysec',
        '--maxmemory-policy', 'noeviction',
        '--daemonize', 'no',
        '--loglevel', 'warning',
      ],
      options,
    );
    const ready = await waitForPong(port, child);
    if (ready) return { child, url: `redis://${HOST}:${port}`, dir };
    if (child.running) {
      await child.stop(5_000);
      throw new PrivateRedisError(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS / 1000} s`);
    }
    lastFailure = describeExit(await child.exited);
  }
  throw new PrivateRedisError(`redis-server did not start (${lastFailure}); its output is above`);
}

async function waitForPong(port: number, child: ManagedChild): Promise<boolean> {
  const until = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < until && child.running) {
    if (await ping(port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** One PING over a fresh connection; false on refusal, timeout, or a reply such as -LOADING. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('+PONG')));
  });
}
