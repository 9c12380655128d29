#!/usr/bin/env python3
"""Write MNIST test digits as PGM files, as-is and transformed the way users' images look.

    python3 tools/make_digit_images.py [--count 100] [--out Fixtures/digits]

Writes, for the first COUNT test images (file names end in the true label):
  OUT/mnist/NNNN-L.pgm        the 28×28 image exactly (P5, 8-bit)
  OUT/transformed/NNNN-L.*    the same digit inverted (dark ink on light paper), 4× larger,
                              blurred, placed off-center in a bigger canvas with a grey, slightly
                              noisy background, saved in turn as 16-bit P5, ASCII P2, RGB PNG
                              (row filters cycling through all five types) and RGBA PNG (blue
                              ink on a transparent background, as drawing apps save it)
Deterministic (seeded), so re-running reproduces the committed files. Needs numpy.
"""
import argparse
import os
import struct
import zlib

import numpy as np

from idx import load_idx


def upscale(image, factor):
    """Bilinear enlargement by an integer factor."""
    h, w = image.shape
    ys = (np.arange(h * factor) + 0.5) / factor - 0.5
    xs = (np.arange(w * factor) + 0.5) / factor - 0.5
    y0 = np.clip(np.floor(ys).astype(int), 0, h - 1); y1 = np.clip(y0 + 1, 0, h - 1)
    x0 = np.clip(np.floor(xs).astype(int), 0, w - 1); x1 = np.clip(x0 + 1, 0, w - 1)
    fy = np.clip(ys - y0, 0, 1)[:, None]; fx = np.clip(xs - x0, 0, 1)[None, :]
    top = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    bottom = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def blur(image, sigma):
    radius = int(3 * sigma)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(image, radius, mode="edge")
    rows = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="valid"), 1, padded)
    return np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="valid"), 0, rows)


def write_p5(path, image, maxval):
    samples = np.clip(np.rint(image * maxval), 0, maxval).astype(">u2" if maxval > 255 else "u1")
    with open(path, "wb") as f:
        f.write(f"P5\n# nnfast test digit\n{image.shape[1]} {image.shape[0]}\n{maxval}\n".encode())
        f.write(samples.tobytes())


def write_p2(path, image):
    samples = np.clip(np.rint(image * 255), 0, 255).astype(int)
    lines = [" ".join(map(str, row)) for row in samples]
    with open(path, "w") as f:
        f.write(f"P2\n# nnfast test digit, ASCII\n{image.shape[1]} {image.shape[0]}\n255\n" + "\n".join(lines) + "\n")


def png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def write_png(path, pixels, color_type):
    """pixels: height × width × channels uint8. Row y uses filter y % 5."""
    height, width, channels = pixels.shape
    bpp = channels
    raw = bytearray()
    previous = bytes(width * channels)
    for y in range(height):
        row = pixels[y].tobytes()
        kind = y % 5
        out = bytearray([kind])
        for i in range(len(row)):
            left = row[i - bpp] if i >= bpp else 0
            up = previous[i]
            upleft = previous[i - bpp] if i >= bpp else 0
            predictor = [0, left, up, (left + up) // 2, paeth(left, up, upleft)][kind]
            out.append((row[i] - predictor) & 0xFF)
        raw += out
        previous = row
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"tEXt", b"Comment\x00nnfast test digit")
    data += png_chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + png_chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--data", default="Fixtures/mnist")
    parser.add_argument("--out", default="Fixtures/digits")
    args = parser.parse_args()
    images = load_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    labels = load_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))
    rng = np.random.default_rng(7)
    for sub in ("mnist", "transformed"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    for i in range(args.count):
        name = f"{i:04d}-{labels[i]}.pgm"
        digit = images[i].astype(np.float64) / 255
        write_p5(os.path.join(args.out, "mnist", name), digit, 255)
        # Dark ink on light paper, 4× larger, blurred, off-center on a bigger noisy canvas.
        paper = 0.85 + 0.1 * rng.random()
        big = blur(upscale(digit, 4), 2.0)
        canvas = np.full((150, 130), 0.0)
        y, x = rng.integers(0, 150 - 112), rng.integers(0, 130 - 112)
        canvas[y:y + 112, x:x + 112] = big
        user = paper - canvas * (paper - 0.1) + rng.normal(0, 0.01, canvas.shape)
        user = np.clip(user, 0, 1)
        path = os.path.join(args.out, "transformed", name)
        stem = path[:-4]
        if i % 4 == 0:
            write_p5(path, user, 65535)
        elif i % 4 == 1:
            write_p2(path, user)
        elif i % 4 == 2:
            gray = np.clip(np.rint(user * 255), 0, 255).astype(np.uint8)
            tint = np.stack([gray, np.clip(gray.astype(int) + 6, 0, 255).astype(np.uint8), gray], axis=2)
            write_png(stem + ".png", tint, 2)
        else:
            ink = np.clip(canvas + rng.normal(0, 0.01, canvas.shape), 0, 1)
            rgba = np.zeros(canvas.shape + (4,), dtype=np.uint8)
            rgba[..., 0], rgba[..., 1], rgba[..., 2] = 20, 40, 160  # blue ink
            rgba[..., 3] = np.clip(np.rint(ink * 255), 0, 255).astype(np.uint8)
            write_png(stem + ".png", rgba, 6)
    print(f"wrote {args.count} digits to {args.out}/mnist and {args.out}/transformed")


if __name__ == "__main__":
    main()
