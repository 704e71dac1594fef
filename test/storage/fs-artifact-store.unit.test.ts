// The artifact-store contract against the filesystem store, plus what only the filesystem store promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsArtifactStore } from '../../src/storage/fs-artifact-store.js';
import { artifactStoreContract } from './artifact-store.contract.js';

const makeStore = async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'gf-fs-store-'));
  return { store: new FsArtifactStore(root), cleanup: () => rm(root, { recursive: true, force: true }) };
};

artifactStoreContract('FsArtifactStore', makeStore);

test('FsArtifactStore: a put leaves no temporary file behind', async () => {
  const { store, cleanup } = await makeStore();
  try {
    await store.put('jobs/j/samples/a.png', new Uint8Array([1, 2, 3]));
    assert.deepEqual(await readdir(path.join(store.root, 'jobs/j/samples')), ['a.png']);
  } finally {
    await cleanup();
  }
});
