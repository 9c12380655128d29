"""Reading gzip-compressed IDX files into numpy arrays, for the tools/ scripts."""
import gzip
import struct

import numpy as np


def load_idx(path):
    """The array in a gzip-compressed IDX file of u8 elements, shaped by its header."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)
