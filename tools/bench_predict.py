#!/usr/bin/env python3
"""Wall time of one `nnfast predict` process on one image, against Python + numpy doing the same.

    python3 tools/bench_predict.py [--runs 40] [--binary .build/release/nnfast]

Times whole processes (start-up included, as a user waits for them): nnfast on a 28×28 PGM, a
16-bit 130×150 PGM and an RGB PNG (each prepared MNIST-style), and tools/nnw.py loading the same
model and running one image. Prints the median and 90th percentile of each.
Build first, ideally with `swift build -c release --static-swift-stdlib` (faster start-up).
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "Fixtures", "models", "mnist-784-100-200-10.nnw")


def times(cmd, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2] * 1e3, samples[int(len(samples) * 0.9)] * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "nnfast"))
    args = parser.parse_args()
    digits = os.path.join(ROOT, "Fixtures", "digits")
    cases = [
        ("nnfast predict, 28×28 PGM", [args.binary, "predict", MODEL, os.path.join(digits, "mnist", "0000-7.pgm")]),
        ("nnfast predict, 130×150 16-bit PGM", [args.binary, "predict", MODEL, os.path.join(digits, "transformed", "0000-7.pgm")]),
        ("nnfast predict, 130×150 RGB PNG", [args.binary, "predict", MODEL, os.path.join(digits, "transformed", "0002-1.png")]),
        ("python3 + numpy (tools/nnw.py), one image", [sys.executable, os.path.join(ROOT, "tools", "nnw.py"), MODEL,
                                                       "--logits", os.path.join(ROOT, "Fixtures", "mnist", "t10k-images-idx3-ubyte.gz"),
                                                       "--count", "1"]),
    ]
    for name, cmd in cases:
        median, p90 = times(cmd, args.runs if "nnfast" in name else max(5, args.runs // 4))
        print(f"{name:44} median {median:6.1f} ms   90th percentile {p90:6.1f} ms")


if __name__ == "__main__":
    main()
