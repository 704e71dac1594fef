// The ArtifactStore contract as tests: every implementation registers this one suite with its own factory.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { StorageError, type ArtifactStore } from '../../src/storage/artifact-store.js';

export interface StoreFixture {
  store: ArtifactStore;
  /** Removes what the test wrote. */
  cleanup(): Promise<void>;
}

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

export interface ContractOptions {
  /** Why the server under test cannot show that a rewrite is atomic (the test is then skipped with this reason). */
  unverifiableAtomicPut?: string;
}

/** Registers the contract's tests, each on a fresh, empty store from `makeStore`. */
export function artifactStoreContract(name: string, makeStore: () => Promise<StoreFixture>, options: ContractOptions = {}): void {
  const fixtures: StoreFixture[] = [];
  after(async () => {
    for (const f of fixtures) await f.cleanup();
  });
  const fresh = async () => {
    const f = await makeStore();
    fixtures.push(f);
    return f.store;
  };

  test(`${name}: putStream writes what a stream yields (one part or many); a failing stream leaves nothing`, async () => {
    const store = await fresh();
    async function* chunks(n: number, size: number, failAt = -1) {
      for (let i = 0; i < n; i++) {
        if (i === failAt) throw new Error('client went away');
        yield new Uint8Array(size).fill(i + 1);
      }
    }
    const small = await store.putStream('datasets/d/upload.bin', chunks(3, 1000));
    assert.equal(small.size, 3000);
    const got = await store.get('datasets/d/upload.bin');
    assert.equal(got?.length, 3000);
    assert.deepEqual([got![0], got![1500], got![2999]], [1, 2, 3]);
    assert.deepEqual(await store.stat('datasets/d/upload.bin'), small);
    // 20 MiB: more than one multipart part in S3.
    const big = await store.putStream('datasets/e/upload.bin', chunks(20, 1024 * 1024));
    assert.equal(big.size, 20 * 1024 * 1024);
    const bigGot = await store.get('datasets/e/upload.bin');
    assert.deepEqual([bigGot!.length, bigGot![0], bigGot![20 * 1024 * 1024 - 1]], [20 * 1024 * 1024, 1, 20]);
    await assert.rejects(store.putStream('datasets/f/upload.bin', chunks(12, 1024 * 1024, 10)), /client went away/);
    assert.equal(await store.get('datasets/f/upload.bin'), null);
    assert.deepEqual(await store.list('datasets/f'), []);
  });

  test(`${name}: put then get returns the bytes; stat and put agree on size and etag`, async () => {
    const store = await fresh();
    const put = await store.put('jobs/a/samples/s1.png', text('hello'));
    assert.equal(put.size, 5);
    assert.match(put.etag, /^"[^"]+"$/, 'a strong validator: a quoted string');
    assert.equal(decode(await store.get('jobs/a/samples/s1.png')), 'hello');
    assert.deepEqual(await store.stat('jobs/a/samples/s1.png'), put);
  });

  test(`${name}: a missing key reads as null, not an error`, async () => {
    const store = await fresh();
    assert.equal(await store.get('jobs/none/samples/x.png'), null);
    assert.equal(await store.stat('jobs/none/samples/x.png'), null);
    assert.deepEqual(await store.list('jobs/none'), []);
  });

  test(`${name}: binary round trip (every byte value, and 1 MiB of random bytes)`, async () => {
    const store = await fresh();
    const all = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
    const big = new Uint8Array(crypto.randomBytes(1024 * 1024));
    await store.put('bin/all.bin', all);
    await store.put('bin/big.bin', big);
    assert.deepEqual(await store.get('bin/all.bin'), all);
    const back = await store.get('bin/big.bin');
    assert.ok(back && Buffer.from(back).equals(Buffer.from(big)), '1 MiB comes back unchanged');
    assert.equal((await store.stat('bin/big.bin'))?.size, big.byteLength);
  });

  test(`${name}: overwrite replaces the value; the etag follows the content`, async () => {
    const store = await fresh();
    const first = await store.put('k/state.json', text('{"v":1}'));
    const second = await store.put('k/state.json', text('{"v":22}'));
    assert.notEqual(second.etag, first.etag);
    assert.equal(decode(await store.get('k/state.json')), '{"v":22}');
    assert.deepEqual(await store.stat('k/state.json'), { size: 8, etag: second.etag });
    const again = await store.put('k/state.json', text('{"v":1}'));
    assert.equal(again.etag, first.etag, 'the same bytes give the same etag');
  });

  const atomic = { skip: options.unverifiableAtomicPut ?? false };
  test(`${name}: readers see the old or the new value while it is rewritten, never a mix`, atomic, async () => {
    const store = await fresh();
    const a = new Uint8Array(64 * 1024).fill(1);
    const b = new Uint8Array(32 * 1024).fill(2);
    await store.put('race/x.bin', a);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 10; i++) await store.put('race/x.bin', i % 2 ? a : b);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const got = await store.get('race/x.bin');
      assert.ok(got, 'never missing while it is rewritten');
      const whole = (got.byteLength === a.byteLength && got.every((v) => v === 1)) || (got.byteLength === b.byteLength && got.every((v) => v === 2));
      assert.ok(whole, `read ${got.byteLength} bytes that are neither value`);
      reads++;
    }
    await writer;
    assert.ok(reads > 0);
  });

  test(`${name}: list returns the keys under a prefix, sorted, and not those of a sibling prefix`, async () => {
    const store = await fresh();
    const keys = ['jobs/j1/samples/b.png', 'jobs/j1/checkpoints/10/state.json', 'jobs/j1/samples/a.png', 'jobs/j10/samples/c.png'];
    for (const k of keys) await store.put(k, text(k));
    assert.deepEqual(await store.list('jobs/j1'), ['jobs/j1/checkpoints/10/state.json', 'jobs/j1/samples/a.png', 'jobs/j1/samples/b.png']);
    assert.deepEqual(await store.list('jobs/j1/samples'), ['jobs/j1/samples/a.png', 'jobs/j1/samples/b.png']);
    assert.deepEqual(await store.list('jobs'), [...keys].sort());
  });

  test(`${name}: list and deletePrefix go through more keys than one page`, async () => {
    const store = await fresh();
    const keys = Array.from({ length: 25 }, (_, i) => `many/k${String(i).padStart(2, '0')}.bin`);
    await Promise.all(keys.map((k) => store.put(k, text(k))));
    assert.deepEqual(await store.list('many'), keys);
    await store.deletePrefix('many');
    assert.deepEqual(await store.list('many'), []);
  });

  test(`${name}: deletePrefix removes everything under the prefix and nothing else; none is no error`, async () => {
    const store = await fresh();
    for (const k of ['jobs/j1/samples/a.png', 'jobs/j1/checkpoints/5/weights.bin', 'jobs/j10/samples/b.png', 'jobs/j2/samples/c.png']) {
      await store.put(k, text(k));
    }
    await store.deletePrefix('jobs/j1');
    assert.equal(await store.get('jobs/j1/samples/a.png'), null);
    assert.deepEqual(await store.list('jobs/j1'), []);
    assert.deepEqual(await store.list('jobs'), ['jobs/j10/samples/b.png', 'jobs/j2/samples/c.png']);
    await store.deletePrefix('jobs/nothing-here');
    await store.deletePrefix('jobs/j1');
  });

  test(`${name}: keys that could escape the store or are malformed are rejected with StorageError`, async () => {
    const store = await fresh();
    const bad = ['', '../x', 'a/../../x', '/abs', 'a//b', 'a/./b', 'a/', '.hidden', 'a b', 'a\\b', 'é', 'x'.repeat(513)];
    for (const key of bad) {
      await assert.rejects(store.put(key, text('x')), StorageError, `put ${JSON.stringify(key)}`);
      await assert.rejects(store.get(key), StorageError, `get ${JSON.stringify(key)}`);
      await assert.rejects(store.stat(key), StorageError, `stat ${JSON.stringify(key)}`);
      await assert.rejects(store.list(key), StorageError, `list ${JSON.stringify(key)}`);
      await assert.rejects(store.deletePrefix(key), StorageError, `deletePrefix ${JSON.stringify(key)}`);
    }
    assert.deepEqual(await store.list('a'), [], 'nothing was written');
  });
}
