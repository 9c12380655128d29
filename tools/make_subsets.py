#!/usr/bin/env python3
"""Cut small MNIST subsets into Fixtures/ for fast tests.

Writes Fixtures/mnist-small/ with the first N training and first M test images (and labels)
of the bundled MNIST, in the same four-file IDX layout, gzip-compressed deterministically
(mtime 0), so re-running the script reproduces the committed bytes.

    python3 tools/make_subsets.py [--train 2000] [--test 500] [--source Fixtures/mnist] [--out Fixtures/mnist-small]
"""
import argparse
import gzip
import os
import struct


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[:2] != b"\x00\x00":
        raise SystemExit(f"{path}: not an IDX file")
    dtype, rank = data[2], data[3]
    dims = struct.unpack(">" + "I" * rank, data[4 : 4 + 4 * rank])
    return dtype, list(dims), data[4 + 4 * rank :]


def write_idx(path, dtype, dims, payload):
    header = bytes([0, 0, dtype, len(dims)]) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(header + payload)


def cut(source, out, stem, count):
    dtype, dims, payload = read_idx(os.path.join(source, stem + ".gz"))
    if count > dims[0]:
        raise SystemExit(f"{stem}: asked for {count} items, only {dims[0]} available")
    per_item = len(payload) // dims[0]
    write_idx(os.path.join(out, stem + ".gz"), dtype, [count] + dims[1:], payload[: count * per_item])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--test", type=int, default=500)
    parser.add_argument("--source", default="Fixtures/mnist")
    parser.add_argument("--out", default="Fixtures/mnist-small")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for stem, count in [
        ("train-images-idx3-ubyte", args.train),
        ("train-labels-idx1-ubyte", args.train),
        ("t10k-images-idx3-ubyte", args.test),
        ("t10k-labels-idx1-ubyte", args.test),
    ]:
        cut(args.source, args.out, stem, count)
    print(f"wrote {args.train} train / {args.test} test images to {args.out}")


if __name__ == "__main__":
    main()
