extension IDXArray {
    /// Parses an uncompressed IDX file, checking the header against the byte count *before*
    /// allocating anything the header asks for. `file` names the source in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws(NNFastError) -> IDXArray {
        guard bytes.count >= 4 else {
            throw NNFastError(file, "too short for an IDX header (\(bytes.count) bytes)")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw NNFastError(file, "not gzip and not an IDX file (starts with \(hex(bytes[0])) \(hex(bytes[1])), expected 00 00)")
        }
        guard let type = ElementType(rawValue: bytes[2]) else {
            throw NNFastError(file, "unknown IDX element type \(hex(bytes[2])) (expected 08, 09, 0b, 0c, 0d or 0e)")
        }
        let rank = Int(bytes[3])
        guard rank > 0 else { throw NNFastError(file, "IDX header declares zero dimensions") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw NNFastError(file, "truncated IDX header: \(rank) dimensions need \(headerSize) bytes, file has \(bytes.count)")
        }
        var shape: [Int] = []
        var elementCount = 1
        for d in 0..<rank {
            let at = 4 + 4 * d
            let size = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            shape.append(size)
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else { throw NNFastError(file, "IDX dimensions \(shape) are too large") }
            elementCount = product
        }
        let (expectedBytes, overflow) = elementCount.multipliedReportingOverflow(by: type.byteSize)
        let actualBytes = bytes.count - headerSize
        let dims = shape.map(String.init).joined(separator: "×")
        guard !overflow, expectedBytes <= actualBytes else {
            throw NNFastError(file, "truncated IDX data: header says \(dims) \(type) elements (\(overflow ? "too many" : String(expectedBytes)) bytes), file has \(actualBytes)")
        }
        guard expectedBytes == actualBytes else {
            throw NNFastError(file, "\(actualBytes - expectedBytes) unexpected bytes after the \(dims) \(type) elements the header declares")
        }
        return IDXArray(shape: shape, elements: decode(bytes, from: headerSize, count: elementCount, type: type))
    }

    private static func decode(_ bytes: [UInt8], from start: Int, count: Int, type: ElementType) -> Elements {
        bytes.withUnsafeBufferPointer { buffer in
            let raw = UnsafeRawPointer(buffer.baseAddress! + start)
            func bigEndian<T: FixedWidthInteger>(_: T.Type) -> [T] {
                (0..<count).map { T(bigEndian: raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
            }
            switch type {
            case .u8: return .u8(Array(buffer[start..<(start + count)]))
            case .i8: return .i8(bigEndian(Int8.self))
            case .i16: return .i16(bigEndian(Int16.self))
            case .i32: return .i32(bigEndian(Int32.self))
            case .f32: return .f32(bigEndian(UInt32.self).map(Float.init(bitPattern:)))
            case .f64: return .f64(bigEndian(UInt64.self).map(Double.init(bitPattern:)))
            }
        }
    }

    /// Reads an IDX file, gzip-compressed (detected by its magic) or plain.
    public static func load(_ path: String) throws(NNFastError) -> IDXArray {
        let bytes = try FileBytes.read(path)
        let plain = Gzip.hasMagic(bytes) ? try Gzip.decompress(bytes, file: path) : bytes
        return try parse(plain, file: path)
    }

    /// The IDX encoding of this array (uncompressed).
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [0, 0, elementType.rawValue, UInt8(shape.count)]
        for size in shape { appendBigEndian(UInt32(size), to: &bytes) }
        switch elements {
        case .u8(let values): bytes += values
        case .i8(let values): bytes += values.map { UInt8(bitPattern: $0) }
        case .i16(let values): for v in values { appendBigEndian(v, to: &bytes) }
        case .i32(let values): for v in values { appendBigEndian(v, to: &bytes) }
        case .f32(let values): for v in values { appendBigEndian(v.bitPattern, to: &bytes) }
        case .f64(let values): for v in values { appendBigEndian(v.bitPattern, to: &bytes) }
        }
        return bytes
    }
}

private func appendBigEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}
