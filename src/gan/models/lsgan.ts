// Model `lsgan`, Keras-GAN's lsgan/lsgan.py: the MLP GAN with a linear D output and least-squares (MSE) losses.
import { adamOptions, modelConfigSchema } from './common-options.js';
import type { GanModel } from './model.js';
import { buildMlpDiscriminator, buildMlpGenerator } from './gan.js';
import { STREAM } from '../rng.js';
import { adamGan } from './adam-gan.js';

const schema = modelConfigSchema('lsgan', adamOptions);

export const lsgan: GanModel<'lsgan', typeof schema> = {
  name: 'lsgan',
  description: 'Least-squares GAN (Keras-GAN lsgan/lsgan.py): the MLP GAN with a linear D and MSE losses',
  schema,
  // lsgan.py compiles D with metrics=['accuracy']: an output above 0.5 counts as "real".
  metrics: ['dLoss', 'dAcc', 'gLoss'],
  conditional: false,
  imageShapeError: () => null,
  gridLayout: (side) => ({ rows: side, cols: side }),
  create({ config, imageShape }) {
    const generator = buildMlpGenerator(config.latentDim, imageShape, config.seed);
    const discriminator = buildMlpDiscriminator(imageShape, config.seed, 'linear');
    return adamGan(
      config,
      generator,
      discriminator,
      // lsgan.py trains G on the noise its fakes came from.
      (draw, n) => {
        const noise = draw.noise(n, STREAM.noiseD);
        return { real: [draw.real(n, STREAM.batch).images], fakeFrom: [noise], fakeWith: [], gFrom: [noise], gWith: [] };
      },
      () => ({ loss: 'mse', skipInputGradientOf: discriminator.trainableWeights[0]!.read() }),
    );
  },
};
