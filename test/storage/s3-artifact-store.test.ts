// The artifact-store contract against the S3 store on a real S3-compatible server (s3rver), plus S3-only behaviour.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ConfigError, loadEnv } from '../../src/config/env.js';
import { StorageError } from '../../src/storage/artifact-store.js';
import { createArtifactStore } from '../../src/storage/create-artifact-store.js';
import { FsArtifactStore } from '../../src/storage/fs-artifact-store.js';
import { S3ArtifactStore } from '../../src/storage/s3-artifact-store.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { artifactStoreContract } from './artifact-store.contract.js';

let s3: S3Server;
before(async () => {
  s3 = await startS3Server();
});
after(async () => {
  await s3?.stop();
});

/** Each store gets its own key prefix in the shared bucket; a page size of 10 makes the contract's 25 keys page. */
const storeAt = (prefix: string, bucket = s3.bucket) => new S3ArtifactStore({ client: s3.client(), bucket, prefix, pageSize: 10 });

artifactStoreContract(
  'S3ArtifactStore',
  async () => {
    const store = storeAt(`t-${crypto.randomBytes(4).toString('hex')}`);
    return {
      store,
      async cleanup() {
        await store.close();
      },
    };
  },
  // S3 and MinIO replace an object whole on PUT; s3rver rewrites its file in place, so a read racing a PUT aborts.
  { unverifiableAtomicPut: 's3rver writes objects in place (S3 and MinIO replace them atomically)' },
);

test('S3ArtifactStore: objects live under the configured prefix, with a content type by extension', async () => {
  const store = storeAt('team/ganforge');
  const raw = s3.client();
  try {
    const { etag } = await store.put('jobs/j/samples/a.png', new Uint8Array([137, 80, 78, 71]));
    const head = await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'team/ganforge/jobs/j/samples/a.png' }));
    assert.equal(head.ContentType, 'image/png');
    assert.equal(head.ETag, etag);
    await store.put('jobs/j/checkpoints/1/weights.bin', new Uint8Array([0]));
    const obj = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'team/ganforge/jobs/j/checkpoints/1/weights.bin' }));
    assert.equal(obj.ContentType, 'application/octet-stream');
    await obj.Body?.transformToByteArray();
    assert.deepEqual(await store.list('jobs/j'), ['jobs/j/checkpoints/1/weights.bin', 'jobs/j/samples/a.png'], 'keys come back without the prefix');
    await store.deletePrefix('jobs');
  } finally {
    raw.destroy();
    await store.close();
  }
});

test('S3ArtifactStore: a missing bucket is a StorageError, not a missing key', async () => {
  const store = storeAt('', 'no-such-bucket');
  try {
    await assert.rejects(store.get('a/b.png'), (err: Error) => err instanceof StorageError && /NoSuchBucket/.test(err.message));
    await assert.rejects(store.put('a/b.png', new Uint8Array([1])), StorageError);
    await assert.rejects(store.list('a'), StorageError);
  } finally {
    await store.close();
  }
});

test('createArtifactStore: filesystem by default; S3 from GANFORGE_S3_* and the standard AWS credential variables', async () => {
  assert.ok(createArtifactStore(loadEnv({})) instanceof FsArtifactStore);
  assert.throws(() => loadEnv({ GANFORGE_STORAGE: 's3' }), (err: Error) => err instanceof ConfigError && /GANFORGE_S3_BUCKET: required/.test(err.message));
  assert.throws(() => loadEnv({ GANFORGE_STORAGE: 's3', GANFORGE_S3_BUCKET: 'b', GANFORGE_S3_PREFIX: '/x/' }), /GANFORGE_S3_PREFIX/);

  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = s3.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = s3.env.AWS_SECRET_ACCESS_KEY;
  const store = createArtifactStore(loadEnv({ ...s3.env, GANFORGE_S3_PREFIX: 'from-env' }));
  try {
    assert.ok(store instanceof S3ArtifactStore);
    await store.put('x/y.json', new TextEncoder().encode('{}'));
    assert.deepEqual(await storeAt('').list('from-env'), ['from-env/x/y.json']);
    await store.deletePrefix('x');
  } finally {
    await store.close();
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});
