// Node flags for a training process (a worker, `npm run train`, the bench's children): V8's young generation capped.
/*
 * V8 grows its young generation (two semi-spaces) up to 16 MB each when many objects survive a scavenge, as tfjs'
 * tensors and tape entries do, and shrinks it back only while the process allocates slowly. On the plain wasm path a
 * dcgan step takes ~30 s and V8 keeps it small; on the native path the same JS runs 30x faster and the young
 * generation stayed at 32 MB beside the wasm heap. 2 MB semi-spaces keep it at ~4 MB: the JS between kernels is a
 * small part of a step, and the bench shows no change in speed (README "Backends and speed"). The flag only takes
 * effect at start-up, so it is passed on the command line of every training process: the launcher's workers, the
 * worker images (docker/worker*.Dockerfile), `npm run train` (package.json) and the bench's children.
 */
export const TRAINING_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
