#!/usr/bin/env python3
"""Write deliberately broken model and image files into Fixtures/corrupt/ for the tests.

    python3 tools/make_corrupt_fixtures.py [--model Fixtures/models/mnist-784-100-200-10.nnw]

Each file is broken in one way, and each must make nnfast exit non-zero with one line naming it.
Fields that follow the CRC are re-sealed with a valid CRC so the reader's later checks are reached.
"""
import argparse
import os
import struct
import zlib


def reseal(data):
    body = bytes(data[:-4])
    return body + struct.pack("<I", zlib.crc32(body))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="Fixtures/models/mnist-784-100-200-10.nnw")
    parser.add_argument("--out", default="Fixtures/corrupt")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model = bytearray(open(args.model, "rb").read())
    files = {}
    files["empty.nnw"] = b""
    files["truncated.nnw"] = bytes(model[: len(model) // 3])
    flipped = bytearray(model); flipped[len(model) // 2] ^= 0x10
    files["bad-crc.nnw"] = bytes(flipped)
    magic = bytearray(model); magic[0:8] = b"NOTNNFST"
    files["wrong-magic.nnw"] = bytes(magic)
    future = bytearray(model); future[8:10] = struct.pack("<H", 9)
    files["future-version.nnw"] = reseal(future)
    # No class names in nnfast's MNIST model: input rank 2 → dims at 36, 40; class count 44;
    # names length 48; layer count 52; layer 1 record at 56 (kind 56, inputs 60, outputs 64, …).
    chain = bytearray(model); chain[60:64] = struct.pack("<I", 785)
    files["layers-do-not-chain.nnw"] = reseal(chain)
    kind = bytearray(model); kind[56:60] = struct.pack("<I", 42)
    files["unknown-layer-kind.nnw"] = reseal(kind)
    huge = bytearray(model); huge[72:80] = struct.pack("<Q", 1 << 62)
    files["offset-past-end.nnw"] = reseal(huge)

    files["not-a-pgm.pgm"] = b"GIF89a not an image we read"
    files["no-maxval.pgm"] = b"P5\n28 28\n"
    files["maxval-zero.pgm"] = b"P5\n2 2\n0\n\x00\x00\x00\x00"
    files["maxval-too-big.pgm"] = b"P2\n2 2\n70000\n1 2 3 4\n"
    files["short-data.pgm"] = b"P5\n28 28\n255\n" + bytes(100)
    files["absurd-size.pgm"] = b"P5\n100000 100000\n255\n" + bytes(16)
    files["bad-header.pgm"] = b"P5\n28 x8\n255\n" + bytes(784)
    files["sample-over-maxval.pgm"] = b"P2\n2 1\n9\n3 12\n"
    files["wrong-size-for-raw.pgm"] = b"P5\n27 28\n255\n" + bytes(27 * 28)
    png = bytearray(open("Fixtures/digits/transformed/0002-1.png", "rb").read())
    bad = bytearray(png); bad[len(png) // 2] ^= 0x20
    files["bad-crc.png"] = bytes(bad)
    files["truncated.png"] = bytes(png[: len(png) // 2])

    def with_header(field_offset, value):
        # IHDR data starts at byte 16; its CRC covers bytes 12..29 and sits at 29..33.
        patched = bytearray(png); patched[16 + field_offset] = value
        patched[29:33] = struct.pack(">I", zlib.crc32(bytes(patched[12:29])))
        return bytes(patched)
    files["interlaced.png"] = with_header(12, 1)
    files["palette.png"] = with_header(9, 3)
    for name, data in files.items():
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {args.out}")


if __name__ == "__main__":
    main()
