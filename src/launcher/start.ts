// `npm start`: the API and GANFORGE_WORKERS workers as child processes on one Redis (REDIS_URL, else a private one).
import path from 'node:path';
import { ConfigError, loadLauncherEnv, type LauncherEnv } from '../config/env.js';
import { freePort } from './free-port.js';
import { maskPassword } from './mask-password.js';
import { ManagedChild, describeExit, type ChildExit } from './managed-child.js';
import { findExecutable, startPrivateRedis } from './private-redis.js';
import { TRAINING_NODE_FLAGS } from '../worker/node-flags.js';

/** A worker finishes its iteration, checkpoints and hands its job back on SIGTERM; as in docker-compose.yml. */
const WORKER_GRACE_MS = 60_000;
/** server.ts gives up closing after 10 s by itself. */
const API_GRACE_MS = 15_000;
const REDIS_GRACE_MS = 30_000;
const API_READY_TIMEOUT_MS = 60_000;

const say = (line: string) => process.stdout.write(`[ganforge] ${line}\n`);
const warn = (line: string) => process.stderr.write(`[ganforge] ${line}\n`);

/** The children's entry points beside this module: dist/*.js when built, src/*.ts under tsx. */
function entryPoint(role: 'api/server' | 'worker/main'): string {
  return path.join(import.meta.dirname, '..', `${role}${path.extname(import.meta.filename)}`);
}

/** Node flags for the children (e.g. --import tsx), without the inspector's, whose port only one process can hold. */
const childExecArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));

/** The address to reach a server bound to `host` from this machine. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

async function main(): Promise<number> {
  // A reader that went away (`npm start | tee log` gets the Ctrl-C too) must not end the launcher while it stops the
  // children: the rest of the output is lost, the orderly stop is not.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  // A laptop's API should not be on the network unless asked: HOST defaults to loopback here (see launcherEnvSchema).
  let env: LauncherEnv;
  try {
    env = loadLauncherEnv();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    warn(err.message);
    return 1;
  }
  const workerCount = env.GANFORGE_WORKERS;

  const dataDir = path.resolve(env.GANFORGE_DATA_DIR);
  const externalRedis = env.REDIS_URL;
  const redisBinary = externalRedis ? undefined : findExecutable('redis-server');
  if (!externalRedis && !redisBinary) {
    warn("REDIS_URL is not set and redis-server is not installed: install Debian's redis-server (apt-get install redis-server) or set REDIS_URL");
    return 1;
  }

  const workerNames = Array.from({ length: workerCount }, (_, i) => `worker-${i + 1}`);
  const labelWidth = Math.max(5, ...workerNames.map((n) => n.length));
  let redis: ManagedChild | undefined;
  let api: ManagedChild | undefined;
  const workers: ManagedChild[] = [];
  const all = () => [...workers, api, redis].filter((c): c is ManagedChild => c !== undefined);

  // Whatever ends the run (a signal, a child that died, a failed start-up) resolves `stopRequested` once.
  let stopReason: { why: string; failed: boolean } | undefined;
  let requestStop!: (why: string, failed: boolean) => void;
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = (why, failed) => {
      if (stopReason) return;
      stopReason = { why, failed };
      resolve();
    };
  });
  let firstSignalAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (firstSignalAt === undefined) {
        firstSignalAt = Date.now();
        if (!stopReason) return requestStop(signal, false);
      } else if (Date.now() - firstSignalAt < 1_000) {
        // npm forwards the terminal's Ctrl-C to us as well: a repeat within a second is the same keypress.
        return;
      }
      warn(`${signal} while stopping: killing every child now`);
      for (const child of all()) child.killGroup();
    });
  }
  // Last resort: nothing we started outlives us, whatever happened.
  process.on('exit', () => {
    for (const child of all()) child.killGroup();
  });

  const watch = (child: ManagedChild) => {
    void child.exited.then((exit) => {
      if (!stopReason) {
        warn(`${child.name} (pid ${child.pid ?? '-'}) ${describeExit(exit)} unexpectedly; stopping everything`);
        requestStop(`${child.name} died`, true);
      }
    });
  };
  const started = (child: ManagedChild) => {
    say(`started ${child.name} (pid ${child.pid})`);
    watch(child);
    return child;
  };
  const childOptions = (extra: NodeJS.ProcessEnv = {}) => ({ env: { ...process.env, ...extra }, labelWidth });

  const startAll = async (): Promise<void> => {
    let redisUrl = externalRedis;
    if (!redisUrl) {
      const own = await startPrivateRedis(redisBinary!, dataDir, childOptions());
      redis = started(own.child);
      redisUrl = own.url;
      say(`redis-server at ${own.url}, data in ${own.dir}`);
    }
    if (stopReason) return;

    const port = env.PORT || (await freePort(env.HOST));
    const shared = { REDIS_URL: redisUrl, GANFORGE_DATA_DIR: dataDir, HOST: env.HOST, PORT: String(port) };
    const spawnNode = (name: string, entry: string, flags: readonly string[] = []) =>
      started(new ManagedChild(name, process.execPath, [...flags, ...childExecArgv, entry], childOptions(shared)));
    api = spawnNode('api', entryPoint('api/server'));
    for (const name of workerNames) workers.push(spawnNode(name, entryPoint('worker/main'), TRAINING_NODE_FLAGS));

    const base = `http://${reachableHost(env.HOST)}:${port}`;
    if (!(await waitForReady(`${base}/readyz`, () => stopReason !== undefined))) return;
    const workersText = `${workerCount} worker${workerCount === 1 ? '' : 's'}`;
    say(`ready: API at ${base}/ (${workersText}, Redis ${maskPassword(redisUrl)}); Ctrl-C stops everything`);
    // An API that answers GET /jobs without a key runs open (see server.ts): say so where the user looks.
    const open = await fetch(`${base}/jobs?limit=1`).then((r) => r.ok, () => false);
    say(open ? 'authentication is off: no GANFORGE_ADMIN_TOKEN and no API keys (fine on loopback; README, "Security")' : 'authentication is on: send Authorization: Bearer <key>');
  };
  const startup = startAll().catch((err: unknown) => {
    warn(err instanceof Error ? err.message : String(err));
    requestStop('start-up failed', true);
  });

  await stopRequested;
  // A stop during start-up waits for the step under way, so that a child it is starting is stopped too.
  await startup;
  const { why, failed } = stopReason!;
  say(`stopping (${why}): workers first, then the API${redis ? ', then redis-server' : ''}`);
  let clean = true;
  const stopChild = async (child: ManagedChild, graceMs: number): Promise<void> => {
    const wasRunning = child.running;
    const exit = await child.stop(graceMs, () => warn(`${child.name} did not exit within ${graceMs / 1000} s: SIGKILL`));
    if (wasRunning && !exitedCleanly(exit)) clean = false;
    if (wasRunning) say(`${child.name} ${describeExit(exit)}`);
  };
  await Promise.all(workers.map((w) => stopChild(w, WORKER_GRACE_MS)));
  if (api) await stopChild(api, API_GRACE_MS);
  if (redis) await stopChild(redis, REDIS_GRACE_MS);
  say(failed || !clean ? 'stopped, with errors' : 'stopped');
  return failed || !clean ? 1 : 0;
}

/** Exit code 0, or death by the SIGTERM we sent before the child had installed its own handler. */
function exitedCleanly(exit: ChildExit): boolean {
  return exit.code === 0 || exit.signal === 'SIGTERM';
}

/** Polls `url` until it answers 2xx (true) or `cancelled` (false); throws after API_READY_TIMEOUT_MS. */
async function waitForReady(url: string, cancelled: () => boolean): Promise<boolean> {
  const until = Date.now() + API_READY_TIMEOUT_MS;
  let last = 'no answer';
  while (!cancelled()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return true;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    }
    if (Date.now() > until) throw new Error(`the API was not ready within ${API_READY_TIMEOUT_MS / 1000} s (${url}: ${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    warn(`launcher failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
