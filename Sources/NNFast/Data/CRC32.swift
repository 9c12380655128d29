import CNNFastZlib

/// CRC-32 (zlib's, the ISO-HDLC polynomial) of `bytes`: the `.nnw` file's checksum and PNG's
/// per-chunk one.
func crc32Checksum<C: Collection<UInt8>>(_ bytes: C) -> UInt32 {
    let checksum = bytes.withContiguousStorageIfAvailable { buffer in
        UInt32(crc32(0, buffer.baseAddress, uInt(buffer.count)))
    }
    return checksum ?? crc32Checksum(Array(bytes))
}
