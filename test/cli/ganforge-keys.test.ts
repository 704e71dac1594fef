// `ganforge keys create|list|revoke` and --token / GANFORGE_TOKEN against a real API process with authentication on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, connect, uniquePrefix } from '../helpers/redis.js';
import { runGanforge, type CliRun } from '../helpers/ganforge-cli.js';
import { startProcess, stopProcess, type Proc } from '../helpers/processes.js';

const ADMIN = 'cli-admin-token-'.padEnd(48, 'z');
const prefix = uniquePrefix('cli-keys');
const redis = connect();
let api: Proc;
let apiUrl: string;

before(async () => {
  api = startProcess('src/api/server.ts', { GANFORGE_PREFIX: prefix, HOST: '127.0.0.1', PORT: '0', GANFORGE_ADMIN_TOKEN: ADMIN });
  apiUrl = (await api.waitFor(/http:\/\/127\.0\.0\.1:\d+/)).trim();
});

after(async () => {
  await stopProcess(api);
  await cleanup(redis, prefix);
  redis.disconnect();
});

// A minimal environment on purpose: no GANFORGE_TOKEN of the caller's leaks in.
const ganforge = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
  runGanforge(args, { PATH: process.env.PATH ?? '', GANFORGE_API: apiUrl, ...env });

test('without a token the CLI gets one line: 401', async () => {
  const run = await ganforge(['list']);
  assert.equal(run.code, 1);
  assert.equal(run.stderr.trim(), 'ganforge: 401 Unauthorized: this API needs an API key: send the header Authorization: Bearer <token>');
});

test('keys create prints only the token on stdout; the member key submits and lists; keys list; keys revoke', async () => {
  const created = await ganforge(['keys', 'create', '--project', 'lab', '--role', 'member', '--name', 'alice'], { GANFORGE_TOKEN: ADMIN });
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^gf_[A-Za-z0-9_-]{43}$/);
  const id = /created (key_[0-9a-f]{16}) \(member of project lab\)/.exec(created.stderr)?.[1];
  assert.ok(id, created.stderr);

  const submitted = await ganforge(['--token', token, 'submit', '--iterations', '5']);
  assert.equal(submitted.code, 0, submitted.stderr);
  const listed = await ganforge(['list', '--json'], { GANFORGE_TOKEN: token });
  assert.equal(JSON.parse(listed.stdout).jobs[0].id, submitted.stdout.trim());
  assert.equal(JSON.parse(listed.stdout).jobs[0].project, 'lab');

  const keys = await ganforge(['keys', 'list'], { GANFORGE_TOKEN: ADMIN });
  assert.equal(keys.code, 0, keys.stderr);
  assert.match(keys.stdout, new RegExp(`^${id}\\s+lab\\s+member\\s+\\S+\\s+alice$`, 'm'));
  assert.ok(!keys.stdout.includes(token));

  const forbidden = await ganforge(['keys', 'list'], { GANFORGE_TOKEN: token });
  assert.equal(forbidden.code, 1);
  assert.match(forbidden.stderr, /^ganforge: 403 Forbidden: GET \/keys needs an admin key$/m);

  const revoked = await ganforge(['keys', 'revoke', id], { GANFORGE_TOKEN: ADMIN });
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal(revoked.stdout.trim(), `revoked ${id}`);
  const after = await ganforge(['list'], { GANFORGE_TOKEN: token });
  assert.equal(after.code, 1);
  assert.match(after.stderr, /401 Unauthorized: unknown or revoked API key/);
});

test('bad keys command lines are usage errors', async () => {
  for (const [args, message] of [
    [['keys'], 'keys: missing create, list or revoke'],
    [['keys', 'create'], 'keys create: missing required flag --project P'],
    [['keys', 'create', '--project', 'p', '--role', 'owner'], '--role: must be admin or member, got "owner"'],
    [['keys', 'revoke'], 'keys revoke: missing key ID'],
  ] as const) {
    const run = await ganforge([...args]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim(), `ganforge: ${message}. Run ganforge --help for usage.`);
  }
});
