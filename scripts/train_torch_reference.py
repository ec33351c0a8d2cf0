#!/usr/bin/python3
"""PyTorch 1.13 peer of examples/train_mlp's default recipe, for comparing accuracy.

Same data (Debian's Fashion-MNIST IDX files), same normalisation (mean 0.2860,
std 0.3530), same model (784-256-256-10, ReLU, dropout 0.1 after each hidden
activation), same optimizer (Adam 1e-3), schedule (cosine to 0 over the
epochs, stepped each epoch), batch size (128, shuffled) and epochs (15).
Prints one line per epoch and the final test accuracy. Development tool only:
    /usr/bin/python3 scripts/train_torch_reference.py [--epochs 15] [--seed 0] [--threads 1]
"""
import argparse
import gzip
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F

DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(split):
    images = read_idx(f"{DIR}/{split}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0
    labels = read_idx(f"{DIR}/{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy((images - 0.2860) / 0.3530), torch.from_numpy(labels)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    x_train, y_train = load("train")
    x_test, y_test = load("t10k")
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Dropout(0.1),
        torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Dropout(0.1),
        torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs)
    for epoch in range(args.epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(x_train))
        for i in range(0, len(order), 128):
            idx = order[i:i + 128]
            opt.zero_grad()
            F.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
        sched.step()
        seconds = time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
        print(f"epoch {epoch + 1:2d}  test accuracy {accuracy * 100:.2f}%  "
              f"{len(x_train) / seconds:.0f} samples/s", flush=True)
    print(f"final test accuracy {accuracy * 100:.2f}%")


if __name__ == "__main__":
    main()
