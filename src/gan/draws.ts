// The Draws of one iteration: real batches, noise, labels and uniforms, each a pure function of (seed, iteration, stream).
import * as tf from '@tensorflow/tfjs';
import type { Draws } from './models/model.js';
import { normals, randomIndices, rngFor } from './rng.js';

export class IterationDraws implements Draws {
  /** Every tensor handed out, disposed by the trainer after the step. */
  readonly made: tf.Tensor[] = [];

  constructor(
    private readonly seedValue: number,
    private readonly iteration: number,
    private readonly data: { images: tf.Tensor4D; labels: tf.Tensor2D; count: number; numClasses: number; latentDim: number },
  ) {}

  private track<T extends tf.Tensor>(t: T): T {
    this.made.push(t);
    return t;
  }

  private rng(stream: number): () => number {
    return rngFor(this.seedValue, this.iteration, stream);
  }

  real(n: number, stream: number): { images: tf.Tensor4D; labels: tf.Tensor2D } {
    const indices = randomIndices(this.rng(stream), n, this.data.count);
    return tf.tidy(() => {
      const idx = tf.tensor1d(indices, 'int32');
      return { images: this.track(tf.gather(this.data.images, idx)), labels: this.track(tf.gather(this.data.labels, idx)) };
    });
  }

  noise(n: number, stream: number): tf.Tensor2D {
    const d = this.data.latentDim;
    return this.track(tf.tensor2d(normals(this.rng(stream), n * d), [n, d]));
  }

  classes(n: number, stream: number): tf.Tensor2D {
    return this.track(tf.tensor2d(randomIndices(this.rng(stream), n, this.data.numClasses), [n, 1], 'int32'));
  }

  uniform(shape: number[], stream: number): tf.Tensor {
    const rand = this.rng(stream);
    const size = shape.reduce((a, b) => a * b, 1);
    return this.track(tf.tensor(Float32Array.from({ length: size }, () => rand()), shape));
  }

  seed(stream: number): number {
    return Math.floor(this.rng(1000 + stream)() * 2 ** 31);
  }
}
