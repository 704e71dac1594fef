// What a client can get wrong: each bad request gets its 4xx and a problem+json body, never a 500.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { body, startTestApp, type TestApp } from './test-app.js';

const JOB = '00000000-0000-4000-8000-000000000000';

interface Case {
  name: string;
  method?: 'GET' | 'POST' | 'DELETE';
  url: string;
  payload?: string | object;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** Paths expected in `errors` (validation problems). */
  errors?: string[];
}

const cases: Case[] = [
  { name: 'malformed JSON', method: 'POST', url: '/jobs', payload: '{"iterations": ', headers: { 'content-type': 'application/json' }, status: 400, code: 'MALFORMED_JSON' },
  { name: 'empty JSON body', method: 'POST', url: '/jobs', payload: '', headers: { 'content-type': 'application/json' }, status: 400, code: 'MALFORMED_JSON' },
  { name: 'no body', method: 'POST', url: '/jobs', status: 400, code: 'VALIDATION_FAILED', errors: ['body'] },
  { name: 'JSON array body', method: 'POST', url: '/jobs', payload: '[]', headers: { 'content-type': 'application/json' }, status: 400, code: 'VALIDATION_FAILED', errors: ['body'] },
  { name: 'wrong types', method: 'POST', url: '/jobs', payload: { iterations: '100', batchSize: 1.5, dataset: 'cifar' }, status: 400, code: 'VALIDATION_FAILED', errors: ['body.iterations', 'body.batchSize', 'body.dataset'] },
  { name: 'out-of-range values', method: 'POST', url: '/jobs', payload: { iterations: 0, learningRate: 0, beta1: 1, latentDim: 5000, seed: -1, keepCheckpoints: 0 }, status: 400, code: 'VALIDATION_FAILED', errors: ['body.iterations', 'body.learningRate', 'body.beta1', 'body.latentDim', 'body.seed', 'body.keepCheckpoints'] },
  { name: 'unknown fields', method: 'POST', url: '/jobs', payload: { epochs: 3, lr: 1 }, status: 400, code: 'VALIDATION_FAILED', errors: ['body.epochs', 'body.lr'] },
  { name: '__proto__ in the body', method: 'POST', url: '/jobs', payload: '{"__proto__": {"x": 1}}', headers: { 'content-type': 'application/json' }, status: 400, code: 'MALFORMED_JSON' },
  { name: 'empty name', method: 'POST', url: '/jobs', payload: { name: '   ' }, status: 400, code: 'VALIDATION_FAILED', errors: ['body.name'] },
  { name: 'text/plain body', method: 'POST', url: '/jobs', payload: 'iterations=5', headers: { 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'form body', method: 'POST', url: '/jobs', payload: 'iterations=5', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'oversized body', method: 'POST', url: '/jobs', payload: { name: 'x'.repeat(5000) }, status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'limit 0', url: '/jobs?limit=0', status: 400, code: 'VALIDATION_FAILED', errors: ['query.limit'] },
  { name: 'limit 101', url: '/jobs?limit=101', status: 400, code: 'VALIDATION_FAILED', errors: ['query.limit'] },
  { name: 'limit not a number', url: '/jobs?limit=ten', status: 400, code: 'VALIDATION_FAILED', errors: ['query.limit'] },
  { name: 'unknown status', url: '/jobs?status=done', status: 400, code: 'VALIDATION_FAILED', errors: ['query.status'] },
  { name: 'bad cursor', url: '/jobs?cursor=../../x', status: 400, code: 'VALIDATION_FAILED', errors: ['query.cursor'] },
  { name: 'metrics limit too big', url: `/jobs/${JOB}/metrics?limit=10001`, status: 400, code: 'VALIDATION_FAILED', errors: ['query.limit'] },
  { name: 'metrics every 0', url: `/jobs/${JOB}/metrics?every=0&since=-1`, status: 400, code: 'VALIDATION_FAILED', errors: ['query.since', 'query.every'] },
  { name: 'metrics format xml', url: `/jobs/${JOB}/metrics?format=xml`, status: 400, code: 'VALIDATION_FAILED', errors: ['query.format'] },
  { name: 'generator iteration not a number', url: `/jobs/${JOB}/generator/model.json?iteration=last`, status: 400, code: 'VALIDATION_FAILED', errors: ['query.iteration'] },
  { name: 'malformed Last-Event-ID', url: `/jobs/${JOB}/events`, headers: { 'last-event-id': 'yesterday' }, status: 400, code: 'VALIDATION_FAILED', errors: ['headers.last-event-id'] },
  { name: 'Last-Event-ID past 64 bits', url: `/jobs/${JOB}/events`, headers: { 'last-event-id': '18446744073709551616-0' }, status: 400, code: 'VALIDATION_FAILED', errors: ['headers.last-event-id'] },
  { name: 'id not a UUID', url: '/jobs/123', status: 404, code: 'NOT_FOUND' },
  { name: 'id a UUID v1', url: '/jobs/6ba7b810-9dad-11d1-80b4-00c04fd430c8', status: 404, code: 'NOT_FOUND' },
  { name: 'id ../', url: '/jobs/..%2f..%2fetc', status: 404, code: 'NOT_FOUND' },
  { name: 'id %2e%2e%2f', url: '/jobs/%2e%2e%2f/metrics', status: 404, code: 'NOT_FOUND' },
  { name: 'id with %00', url: `/jobs/${JOB}%00`, status: 404, code: 'NOT_FOUND' },
  { name: 'id with bad escape', url: '/jobs/%zz', status: 400, code: 'BAD_URL' },
  { name: 'very long id', url: `/jobs/${'a'.repeat(5000)}`, status: 414, code: 'URI_TOO_LONG' },
  { name: 'unknown job', url: `/jobs/${JOB}`, status: 404, code: 'NOT_FOUND' },
  { name: 'unknown job metrics', url: `/jobs/${JOB}/metrics`, status: 404, code: 'NOT_FOUND' },
  { name: 'cancel unknown job', method: 'POST', url: `/jobs/${JOB}/cancel`, status: 404, code: 'NOT_FOUND' },
  { name: 'delete malformed id', method: 'DELETE', url: '/jobs/..%2F', status: 404, code: 'NOT_FOUND' },
  { name: 'sample not a png name', url: '/samples/..%2f..%2fetc%2fpasswd', status: 404, code: 'NOT_FOUND' },
  { name: 'sample unknown', url: `/samples/${JOB}.png`, status: 404, code: 'NOT_FOUND' },
  { name: 'unknown route', url: '/jobz', status: 404, code: 'NOT_FOUND' },
  { name: 'unknown method', method: 'DELETE', url: '/jobs', status: 404, code: 'NOT_FOUND' },
];

let t: TestApp;
before(async () => {
  t = await startTestApp({ GANFORGE_BODY_LIMIT: '4096' });
});
after(() => t.close());

for (const c of cases) {
  test(`${c.name} -> ${c.status}`, async () => {
    const payload = typeof c.payload === 'object' ? JSON.stringify(c.payload) : c.payload;
    const headers = { ...(typeof c.payload === 'object' ? { 'content-type': 'application/json' } : {}), ...c.headers };
    const res = await t.app.inject({ method: c.method ?? 'GET', url: c.url, payload, headers });
    assert.equal(res.statusCode, c.status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = body(res);
    assert.equal(problem.status, c.status);
    assert.equal(problem.code, c.code);
    assert.match(problem.type, /^urn:ganforge:problem:[a-z-]+$/);
    assert.equal(typeof problem.title, 'string');
    assert.equal(typeof problem.detail, 'string');
    assert.equal(typeof problem.instance, 'string');
    if (c.errors) assert.deepEqual(problem.errors.map((e: { path: string }) => e.path).sort(), [...c.errors].sort());
    else assert.equal(problem.errors, undefined);
  });
}

test('a 500 hides its cause', async () => {
  const original = t.app.infra.jobs.get;
  t.app.infra.jobs.get = async () => {
    throw new Error('secret internals at /srv/redis');
  };
  try {
    const res = await t.app.inject({ method: 'GET', url: `/jobs/${JOB}` });
    assert.equal(res.statusCode, 500);
    const problem = body(res);
    assert.equal(problem.code, 'INTERNAL');
    assert.doesNotMatch(res.body, /secret|srv/);
  } finally {
    t.app.infra.jobs.get = original;
  }
});
