// The API process: load the environment, listen, and close gracefully on SIGTERM/SIGINT.
import { ConfigError, loadEnv, type Env } from '../config/env.js';
import { buildApp } from './app.js';
import { exposureProblem, openModeNotice } from './exposure.js';

const CLOSE_TIMEOUT_MS = 10_000;

let env: Env;
try {
  env = loadEnv();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`ganforge-api: ${err.message}`);
  process.exit(1);
}

const app = buildApp({ env });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'closing');
    // A close that hangs (a stuck connection) must not keep the process from exiting.
    setTimeout(() => {
      app.log.error('close timed out');
      process.exit(1);
    }, CLOSE_TIMEOUT_MS).unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  });
}

try {
  await app.ready();
  // Without a bootstrap token, whether the API is open depends on the keys in Redis: no answer, no start off loopback.
  let open = false;
  if (!env.GANFORGE_ADMIN_TOKEN) {
    try {
      open = await app.services.auth.isOpen();
    } catch (err) {
      open = true;
      app.log.warn({ err }, 'cannot tell whether API keys exist (Redis does not answer); assuming none');
    }
  }
  const problem = exposureProblem(env.HOST, open);
  if (problem) {
    app.log.fatal(problem);
    console.error(`ganforge-api: ${problem}`);
    await app.close().catch(() => {});
    process.exit(1);
  }
  await app.listen({ host: env.HOST, port: env.PORT });
  if (open) app.log.warn(openModeNotice(env.HOST));
} catch (err) {
  app.log.fatal({ err }, 'cannot start');
  await app.close().catch(() => {});
  process.exit(1);
}
