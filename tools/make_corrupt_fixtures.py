#!/usr/bin/env python3
"""Write deliberately broken model and image files into Fixtures/corrupt/, and broken
training-image files into Fixtures/corrupt-idx/, for the tests.

    python3 tools/make_corrupt_fixtures.py [--model Fixtures/models/mnist-784-100-200-10.nnw]

Each file is broken in one way, and each must make nnfast exit non-zero with one line naming it.
Fields that follow the CRC are re-sealed with a valid CRC so the reader's later checks are reached.
"""
import argparse
import gzip
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
    parser.add_argument("--images", default="Fixtures/mnist-small/t10k-images-idx3-ubyte.gz")
    parser.add_argument("--idx-out", default="Fixtures/corrupt-idx")
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

    def png_file(width, height, idat):
        def chunk(kind, body):
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    # A 28×28 header whose image data inflates to 64 MB: the inflate must stop at 812 bytes.
    files["decompression-bomb.png"] = png_file(28, 28, zlib.compress(bytes(64 << 20), 9))
    # 4000×4000 claimed by 100 bytes of data that could never hold it.
    files["size-beyond-its-data.png"] = png_file(4000, 4000, zlib.compress(bytes(1000), 9))
    files["too-many-pixels.png"] = png_file(30000, 30000, zlib.compress(bytes(1000), 9))
    for name, data in files.items():
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {args.out}")
    write_idx_fixtures(args.idx_out, args.images)


def gzip_bytes(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def write_idx_fixtures(out, images_path):
    """Broken training-image files, each to stand in for train-images-idx3-ubyte.gz."""
    os.makedirs(out, exist_ok=True)
    images = open(images_path, "rb").read()
    raw = gzip.decompress(images)
    count = struct.unpack(">I", raw[4:8])[0]
    files = {}
    # Cut mid-stream: the trailer's ISIZE is then four arbitrary bytes of compressed data.
    files["truncated.gz"] = images[: len(images) * 2 // 5]
    # An intact stream whose ISIZE says 4 GiB: zlib's length check refuses it.
    files["lying-isize.gz"] = images[:-4] + struct.pack("<I", 0xFFFFFFF0)
    # A header that declares the real MNIST's 60000 images over data for far fewer.
    files["header-claims-more.gz"] = gzip_bytes(raw[:4] + struct.pack(">I", 60000) + raw[8:])
    # A header that declares 2 TB in a file of a few hundred bytes.
    files["header-claims-terabytes.gz"] = gzip_bytes(b"\x00\x00\x08\x03" + struct.pack(">III", 0xFFFFFFFF, 28, 28) + bytes(1000))
    # A header that declares 10 images, followed by 256 MB of zeros (~250 KB compressed).
    files["bomb.gz"] = gzip_bytes(b"\x00\x00\x08\x03" + struct.pack(">III", 10, 28, 28) + bytes(256 << 20))
    files["wrong-idx-magic.gz"] = gzip_bytes(b"\x01\x02" + raw[2:])
    files["unknown-element-type.gz"] = gzip_bytes(b"\x00\x00\x07" + raw[3:])
    files["trailing-garbage.gz"] = images + b"not gzip"
    files["not-gzip-not-idx.gz"] = b"PK\x03\x04 a zip file"
    files["count-mismatch.gz"] = gzip_bytes(raw[:4] + struct.pack(">I", count - 1) + raw[8:-784])
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {out}")


if __name__ == "__main__":
    main()
