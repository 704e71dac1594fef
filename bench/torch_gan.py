"""Reference PyTorch timing of Keras-GAN's classic MLP GAN (gan/gan.py), to put the tfjs numbers of bench.ts in context."""
import argparse
import json
import os
import platform
import time

import torch
from torch import nn


def build_generator(latent_dim: int, pixels: int) -> nn.Module:
    layers: list[nn.Module] = []
    width = latent_dim
    for units in (256, 512, 1024):
        # Keras BatchNormalization(momentum=0.8, epsilon=1e-3): torch's momentum weighs the new batch, so 1 - 0.8.
        layers += [nn.Linear(width, units), nn.LeakyReLU(0.2), nn.BatchNorm1d(units, eps=1e-3, momentum=0.2)]
        width = units
    layers += [nn.Linear(width, pixels), nn.Tanh()]
    return nn.Sequential(*layers)


def build_discriminator(pixels: int) -> nn.Module:
    return nn.Sequential(
        nn.Linear(pixels, 512), nn.LeakyReLU(0.2),
        nn.Linear(512, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 1), nn.Sigmoid(),
    )


def param_count(model: nn.Module) -> int:
    # Keras counts BatchNorm's moving mean and variance as (non-trainable) parameters; torch keeps them as buffers.
    return sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=200, help="timed iterations after warm-up")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads (default: all cores)")
    parser.add_argument("--samples", type=int, default=10_000, help="size of the random dataset")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    latent_dim, pixels, batch = 100, 28 * 28, args.batch_size

    # Speed only: random images in [-1, 1] stand in for MNIST.
    data = torch.rand(args.samples, pixels) * 2 - 1
    generator, discriminator = build_generator(latent_dim, pixels), build_discriminator(pixels)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

    def iteration() -> None:
        real = data[torch.randint(0, args.samples, (batch,))]
        # Keras-GAN makes its fakes with generator.predict: inference mode, BatchNorm on moving statistics.
        generator.eval()
        with torch.no_grad():
            fake = generator(torch.randn(batch, latent_dim))
        for images, labels in ((real, ones), (fake, zeros)):
            d_opt.zero_grad(set_to_none=True)
            bce(discriminator(images), labels).backward()
            d_opt.step()
        # The combined model: G learns through D, whose parameters g_opt does not hold (D's stray grads are reset
        # by d_opt.zero_grad before its next step).
        generator.train()
        g_opt.zero_grad(set_to_none=True)
        bce(discriminator(generator(torch.randn(batch, latent_dim))), ones).backward()
        g_opt.step()

    for _ in range(args.warmup):
        iteration()
    start = time.perf_counter()
    for _ in range(args.iterations):
        iteration()
    seconds = time.perf_counter() - start

    print(json.dumps({
        "framework": "pytorch",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "batchSize": batch,
        "warmup": args.warmup,
        "iterations": args.iterations,
        "seconds": round(seconds, 3),
        "itPerSec": round(args.iterations / seconds, 2),
        "params": {"generator": param_count(generator), "discriminator": param_count(discriminator)},
    }))


if __name__ == "__main__":
    main()
