#!/usr/bin/env python3
"""The tutorial recipe in numpy, as the reference nnfast is measured against.

Same network and schedule as `nnfast train`'s defaults: 784-100-200-10, ReLU, softmax
cross-entropy, Xavier/Glorot-uniform init, SGD lr 0.1, batch 32, the last 10,000 training
images held out. Prints one line per epoch (train seconds, test accuracy) and, with --json,
a JSON summary on the last line.

    python3 tools/numpy_mlp.py [--epochs 3] [--batch 32] [--dtype float32|float64] [--data Fixtures/mnist]
"""
import argparse
import json
import os
import time

import numpy as np

from idx import load_idx


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="Fixtures/mnist")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--layers", default="784,100,200,10")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    sizes = [int(s) for s in args.layers.split(",")]

    images = load_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).reshape(-1, 784)
    labels = load_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    test_x = load_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(dtype) / 255
    test_y = load_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    train_x = images[:50000].astype(dtype) / 255
    train_y = labels[:50000]

    rng = np.random.default_rng(args.seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6 / (fan_in + fan_out))
        weights.append(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype))
        biases.append(np.zeros(fan_out, dtype))
    lr = dtype.type(args.lr)

    def forward(x):
        activations = [x]
        for i, (w, b) in enumerate(zip(weights, biases)):
            z = activations[-1] @ w + b
            activations.append(np.maximum(z, 0) if i < len(weights) - 1 else z)
        return activations

    epoch_seconds = []
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(train_x))
        start = time.perf_counter()
        for first in range(0, len(order), args.batch):
            idx = order[first : first + args.batch]
            acts = forward(train_x[idx])
            logits = acts[-1]
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), train_y[idx]] -= 1
            dz = p / len(idx)
            for i in range(len(weights) - 1, -1, -1):
                dw = acts[i].T @ dz
                db = dz.sum(axis=0)
                if i > 0:
                    dz = (dz @ weights[i].T) * (acts[i] > 0)
                weights[i] -= lr * dw
                biases[i] -= lr * db
        seconds = time.perf_counter() - start
        epoch_seconds.append(seconds)
        accuracy = float((forward(test_x)[-1].argmax(axis=1) == test_y).mean())
        print(f"numpy {args.dtype} epoch {epoch}: {seconds:.3f} s, test {accuracy * 100:.2f}%", flush=True)
    if args.json:
        print(json.dumps({"dtype": args.dtype, "batch": args.batch, "epoch_seconds": epoch_seconds,
                          "test_accuracy": accuracy}))


if __name__ == "__main__":
    main()
