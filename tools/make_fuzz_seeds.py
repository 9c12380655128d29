#!/usr/bin/env python3
"""Write the small seed inputs of the fuzz harnesses into Fuzz/seeds/<target>/.

    python3 tools/make_fuzz_seeds.py [--nnfast .build/release/nnfast]

Seeds are small on purpose (libFuzzer runs faster and mutates better on a few KB): a few
images cut from Fixtures/, every IDX element type, every PNG color type, depth and row filter,
and tiny models saved by nnfast itself (float32 and float16, with optimizer state).
"""
import argparse
import gzip
import os
import shutil
import struct
import subprocess
import tempfile
import zlib


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def idx_seeds(out):
    images = gzip.decompress(open("Fixtures/mnist-small/t10k-images-idx3-ubyte.gz", "rb").read())
    labels = gzip.decompress(open("Fixtures/mnist-small/t10k-labels-idx1-ubyte.gz", "rb").read())
    three = idx(0x08, [3, 28, 28], images[16:16 + 3 * 784])
    write(out, "three-images.idx", three)
    write(out, "three-images.idx.gz", gzip.compress(three, mtime=0))
    write(out, "twenty-labels.idx.gz", gzip.compress(idx(0x08, [20], labels[8:28]), mtime=0))
    write(out, "u8-3x4x4.idx", idx(0x08, [3, 4, 4], bytes(range(48))))
    write(out, "i8.idx", idx(0x09, [4], bytes([0x80, 0xFF, 0, 0x7F])))
    write(out, "i16.idx", idx(0x0B, [2, 2], struct.pack(">4h", -32768, -1, 0, 32767)))
    write(out, "i32.idx", idx(0x0C, [3], struct.pack(">3i", -5, 0, 70000)))
    write(out, "f32.idx", idx(0x0D, [1, 3], struct.pack(">3f", -1.5, 0.0, 3.25)))
    write(out, "f64.idx.gz", gzip.compress(idx(0x0E, [2], struct.pack(">2d", 3.14, -1e300)), mtime=0))
    write(out, "two-members.idx.gz", gzip.compress(three[:100], mtime=0) + gzip.compress(three[100:], mtime=0))


def pgm_seeds(out):
    for name in sorted(os.listdir("Fixtures/digits/mnist"))[:3]:
        shutil.copy(os.path.join("Fixtures/digits/mnist", name), os.path.join(out, name))
    write(out, "ascii-comment.pgm", b"P2\n# a comment\n4 2\n15\n0 1 2 3\n15 14 13 12\n")
    write(out, "sixteen-bit.pgm", b"P5 3 2 65535\n" + struct.pack(">6H", 0, 1, 256, 4096, 65535, 300))


def png(width, height, depth, color, rows_filters, seed=7):
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    row_bytes = width * channels * depth // 8
    raw = b""
    for y in range(height):
        raw += bytes([rows_filters[y % len(rows_filters)]]) + bytes((seed * (x + 3 * y + 1)) % 256 for x in range(row_bytes))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"tEXt", b"Comment\x00seed")
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def png_seeds(out):
    for color in (0, 2, 4, 6):
        for depth in (8, 16):
            write(out, f"color{color}-depth{depth}.png", png(6, 5, depth, color, [0, 1, 2, 3, 4]))
    write(out, "digit.png", png(28, 28, 8, 0, [4]))


def nnw_seeds(out, nnfast):
    work = tempfile.mkdtemp()
    try:
        for prefix in ("train", "t10k"):
            count = 60
            pixels = bytes((i * 37) % 256 for i in range(count * 16))
            write(work, f"{prefix}-images-idx3-ubyte", idx(0x08, [count, 4, 4], pixels))
            write(work, f"{prefix}-labels-idx1-ubyte", idx(0x08, [count], bytes(i % 3 for i in range(count))))
        for name, extra in [("tiny-f32.nnw", []), ("tiny-f16.nnw", ["--precision", "f16"]),
                            ("tiny-adam.nnw", ["--optimizer", "adam", "--validation", "0"])]:
            path = os.path.join(out, name)
            subprocess.run([nnfast, "train", "--data", work, "--layers", "16,4,3", "--epochs", "1", "--validation", "10",
                            "--batch", "10", "--out", path, "--quiet"] + extra, check=True,
                           env=dict(os.environ, SOURCE_DATE_EPOCH="0"), stdout=subprocess.DEVNULL)
    finally:
        shutil.rmtree(work)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nnfast", default=".build/release/nnfast")
    args = parser.parse_args()
    for target, make in [("idx", idx_seeds), ("pgm", pgm_seeds), ("png", png_seeds)]:
        folder = os.path.join("Fuzz/seeds", target)
        os.makedirs(folder, exist_ok=True)
        make(folder)
    nnw_seeds("Fuzz/seeds/nnw", args.nnfast)
    for target in sorted(os.listdir("Fuzz/seeds")):
        files = os.listdir(os.path.join("Fuzz/seeds", target))
        size = sum(os.path.getsize(os.path.join("Fuzz/seeds", target, f)) for f in files)
        print(f"{target}: {len(files)} seeds, {size} bytes")


if __name__ == "__main__":
    main()
