/// Little-endian encoding for the .nnw writer.
struct _ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) { append(value) }
    mutating func u32(_ value: UInt32) { append(value) }
    mutating func u64(_ value: UInt64) { append(value) }
    mutating func f32(_ value: Float) { append(value.bitPattern) }

    /// Tensor values as float32, or rounded to nearest float16.
    mutating func tensor(_ values: [Float], _ precision: ModelFile.Precision) {
        switch precision {
        case .float32: for value in values { f32(value) }
        case .float16: for value in values { u16(Float16(value).bitPattern) }
        }
    }
    mutating func raw(_ data: [UInt8]) { bytes += data }

    /// Zero bytes up to the next multiple of `alignment`.
    mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    mutating func patchU32(at offset: Int, _ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
    }

    mutating func patchU64(at offset: Int, _ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
    }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}

/// Bounds-checked little-endian decoding for the .nnw reader: every read checks the bytes are
/// there first and fails with a message naming the field.
struct _ByteReader {
    let bytes: [UInt8]
    let file: String
    var offset = 0

    init(_ bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    mutating func u16(_ field: String) throws(NNFastError) -> UInt16 { try integer(field) }
    mutating func u32(_ field: String) throws(NNFastError) -> UInt32 { try integer(field) }
    mutating func u64(_ field: String) throws(NNFastError) -> UInt64 { try integer(field) }
    mutating func f32(_ field: String) throws(NNFastError) -> Float { Float(bitPattern: try integer(field)) }

    mutating func raw(_ count: Int, _ field: String) throws(NNFastError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else {
            throw NNFastError(file, "corrupt model: \(field) (\(count) bytes at offset \(offset)) runs past the end of the file")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    private mutating func integer<T: FixedWidthInteger>(_ field: String) throws(NNFastError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= bytes.count - offset else {
            throw NNFastError(file, "corrupt model: \(field) at offset \(offset) runs past the end of the file")
        }
        var value: T = 0
        for i in 0..<size { value |= T(bytes[offset + i]) << (8 * i) }
        offset += size
        return value
    }
}
