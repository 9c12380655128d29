#!/usr/bin/env python3
"""A standalone reader for nnfast's .nnw model files, written from Docs/nnw-format.md alone.

    python3 tools/nnw.py MODEL.nnw                 # print the model
    python3 tools/nnw.py MODEL.nnw --logits IDX.gz --count 5
        # logits of the first 5 images of an IDX image file, one JSON list per line

Needs numpy. Exits 1 with one line on stderr for a bad file.
"""
import argparse
import gzip
import json
import struct
import sys
import zlib

import numpy as np

ACTIVATIONS = {0: "identity", 1: "relu", 2: "sigmoid", 3: "tanh"}
LOSSES = {1: "softmax-ce", 2: "mse", 3: "sigmoid-ce"}
DTYPES = {1: "<f4", 2: "<f2"}


class ModelError(Exception):
    pass


def read_model(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8 or data[:8] != b"NNFASTW\x00":
        raise ModelError(f"{path}: not an nnfast model")
    pos = 8

    def take(fmt):
        nonlocal pos
        size = struct.calcsize(fmt)
        if pos + size > len(data):
            raise ModelError(f"{path}: truncated")
        values = struct.unpack_from(fmt, data, pos)
        pos += size
        return values

    version, precision, length = take("<HHQ")
    if version not in (1, 2):
        raise ModelError(f"{path}: format version {version} not supported")
    if length != len(data):
        raise ModelError(f"{path}: length field {length} but file has {len(data)} bytes")
    (stored_crc,) = struct.unpack_from("<I", data, len(data) - 4)
    if zlib.crc32(data[:-4]) != stored_crc:
        raise ModelError(f"{path}: CRC mismatch")
    if version == 1 and precision not in DTYPES:
        raise ModelError(f"{path}: precision {precision} not supported")
    loss, scale, offset, rank = take("<IffI")
    dims = list(take(f"<{rank}I"))
    (classes,) = take("<I")
    (name_bytes,) = take("<I")
    names = data[pos:pos + name_bytes].decode("utf-8").split("\n") if name_bytes else []
    pos += name_bytes
    (layer_count,) = take("<I")
    records = []
    for _ in range(layer_count):
        kind, inputs, outputs, activation = take("<IIII")
        if kind != 1:
            raise ModelError(f"{path}: unknown layer kind {kind}")
        offsets = take("<QQ") if version == 1 else None
        records.append((inputs, outputs, activation, offsets))
    (meta_bytes,) = take("<I")
    metadata = json.loads(data[pos:pos + meta_bytes].decode("utf-8"))
    pos += meta_bytes

    # Every tensor: name -> (dtype, shape, offset). Version 1 describes only the layers'.
    tensors = {}
    if version == 1:
        for index, (inputs, outputs, _, (w_off, b_off)) in enumerate(records):
            tensors[f"layer.{index + 1}.weight"] = (precision, (inputs, outputs), w_off)
            tensors[f"layer.{index + 1}.bias"] = (precision, (outputs,), b_off)
    else:
        (count,) = take("<I")
        for _ in range(count):
            (name_length,) = take("<H")
            name = data[pos:pos + name_length].decode("utf-8")
            pos += name_length
            type_code, tensor_rank = take("<HH")
            shape = take(f"<{tensor_rank}I")
            (tensor_offset,) = take("<Q")
            if type_code not in DTYPES:
                raise ModelError(f"{path}: tensor {name} has unknown type {type_code}")
            tensors[name] = (type_code, shape, tensor_offset)

    def tensor(name, shape):
        if name not in tensors:
            raise ModelError(f"{path}: no tensor {name}")
        type_code, stored_shape, tensor_offset = tensors[name]
        if tuple(stored_shape) != tuple(shape):
            raise ModelError(f"{path}: tensor {name} has shape {stored_shape}, expected {shape}")
        count = int(np.prod(shape))
        if tensor_offset + count * np.dtype(DTYPES[type_code]).itemsize > len(data) - 4:
            raise ModelError(f"{path}: tensor {name} runs past the end of the file")
        return np.frombuffer(data, dtype=DTYPES[type_code], count=count, offset=tensor_offset).reshape(shape)

    layers = []
    for index, (inputs, outputs, activation, _) in enumerate(records):
        layers.append({"activation": ACTIVATIONS[activation],
                       "W": tensor(f"layer.{index + 1}.weight", (inputs, outputs)),
                       "b": tensor(f"layer.{index + 1}.bias", (outputs,))})
    others = sorted(name for name in tensors if not name.startswith("layer."))
    return {"version": version, "loss": LOSSES[loss], "scale": scale, "offset": offset, "input_shape": dims,
            "classes": classes, "class_names": names, "layers": layers, "metadata": metadata, "other_tensors": others}


def logits(model, pixels):
    """Forward pass in float64 for a batch of u8 pixel rows."""
    x = pixels.astype(np.float64) * model["scale"] + model["offset"]
    for layer in model["layers"]:
        x = x @ layer["W"].astype(np.float64) + layer["b"].astype(np.float64)
        act = layer["activation"]
        if act == "relu":
            x = np.maximum(x, 0)
        elif act == "sigmoid":
            x = 1 / (1 + np.exp(-x))
        elif act == "tanh":
            x = np.tanh(x)
    return x


def read_idx_images(path, count):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    per_image = int(np.prod(dims[1:]))
    return np.frombuffer(data, dtype=np.uint8, count=count * per_image, offset=4 + 4 * rank).reshape(count, per_image)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--logits", metavar="IDX", help="IDX image file to run the model on")
    parser.add_argument("--count", type=int, default=5)
    args = parser.parse_args()
    try:
        model = read_model(args.model)
    except (ModelError, OSError, ValueError, KeyError, struct.error) as error:
        print(f"nnw.py: {error}", file=sys.stderr)
        sys.exit(1)
    if args.logits:
        for row in logits(model, read_idx_images(args.logits, args.count)):
            print(json.dumps([float(v) for v in row]))
        return
    sizes = [model["layers"][0]["W"].shape[0]] + [layer["W"].shape[1] for layer in model["layers"]]
    print(f"{args.model}: format version {model['version']}, {'-'.join(map(str, sizes))} {model['loss']}, "
          f"input {model['input_shape']}, {model['classes']} classes, metadata {model['metadata']}")
    if model["other_tensors"]:
        print(f"other tensors: {', '.join(model['other_tensors'])}")


if __name__ == "__main__":
    main()
