// The committed openapi.yaml is what the code generates, passes redocly lint, and is what the API serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { generateOpenApi } from '../../src/api/openapi.js';
import { OPENAPI_FILE } from '../../src/api/plugins/swagger.js';
import { buildTestApp } from './test-app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('openapi.yaml is up to date (npm run openapi regenerates it)', async () => {
  assert.equal(await readFile(OPENAPI_FILE, 'utf8'), await generateOpenApi());
});

test('openapi.yaml passes redocly lint without errors or warnings', async () => {
  const { stdout } = await promisify(execFile)('npx', ['--no-install', 'redocly', 'lint', 'openapi.yaml', '--format=json'], {
    cwd: ROOT,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: unknown[] };
  assert.deepEqual(report.problems, []);
  assert.deepEqual([report.totals.errors, report.totals.warnings], [0, 0]);
});

test('GET /openapi.yaml serves the committed file; /docs serves the UI', async (ctx) => {
  const t = await buildTestApp(ctx);
  const res = await t.app.inject({ method: 'GET', url: '/openapi.yaml' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/yaml/);
  assert.equal(res.body, await readFile(OPENAPI_FILE, 'utf8'));
  const docs = await t.app.inject({ method: 'GET', url: '/docs' });
  assert.equal(docs.statusCode, 200);
  assert.match(docs.body, /swagger-ui/i);
});
