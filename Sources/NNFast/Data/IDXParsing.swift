/// The part of an IDX file before its elements: type and shape, checked so that the data
/// size they imply is known (overflow-free, within `InputLimits.idxBytes`) before anything
/// is allocated for it.
struct IDXHeader {
    /// The longest header: 4 bytes, then 255 dimensions of 4 bytes.
    static let maximumSize = 4 + 4 * 255

    let elementType: IDXArray.ElementType
    let shape: [Int]
    /// Bytes of the header itself.
    let size: Int
    /// Bytes of element data the header declares.
    let dataBytes: Int

    var elementCount: Int { dataBytes / elementType.byteSize }
    var dimensions: String { shape.map(String.init).joined(separator: "×") }

    /// Reads the header at the start of `bytes` (which may hold only the header).
    /// `inflated` says the bytes came out of gzip (so "not gzip" would be misleading).
    static func parse(_ bytes: [UInt8], file: String, inflated: Bool = false) throws(NNFastError) -> IDXHeader {
        guard bytes.count >= 4 else {
            throw NNFastError(file, "too short for an IDX header (\(bytes.count) bytes)")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            let what = inflated ? "decompresses to something that is not an IDX file" : "not gzip and not an IDX file"
            throw NNFastError(file, "\(what) (starts with \(hex(bytes[0])) \(hex(bytes[1])), expected 00 00)")
        }
        guard let type = IDXArray.ElementType(rawValue: bytes[2]) else {
            throw NNFastError(file, "unknown IDX element type \(hex(bytes[2])) (expected 08, 09, 0b, 0c, 0d or 0e)")
        }
        let rank = Int(bytes[3])
        guard rank > 0 else { throw NNFastError(file, "IDX header declares zero dimensions") }
        let size = 4 + 4 * rank
        guard bytes.count >= size else {
            throw NNFastError(file, "truncated IDX header: \(rank) dimensions need \(size) bytes, file has \(bytes.count)")
        }
        let shape = (0..<rank).map { d in
            let at = 4 + 4 * d
            return Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        // The size of one item (every dimension after the first) is bounded on its own: a zero
        // count must not hide an item size that overflows when a reader multiplies it out.
        var itemBytes = type.byteSize
        var tooLarge = false
        for dimension in shape.dropFirst() {
            let (product, overflow) = itemBytes.multipliedReportingOverflow(by: dimension)
            tooLarge = tooLarge || overflow || product > InputLimits.idxBytes
            itemBytes = tooLarge ? itemBytes : product
        }
        let (dataBytes, overflow) = itemBytes.multipliedReportingOverflow(by: shape[0])
        guard !tooLarge, !overflow, dataBytes <= InputLimits.idxBytes else {
            let dims = shape.map(String.init).joined(separator: "×")
            throw NNFastError(file, "IDX header declares \(dims) \(type) elements, more than the \(InputLimits.idxBytes >> 30) GiB nnfast accepts")
        }
        return IDXHeader(elementType: type, shape: shape, size: size, dataBytes: dataBytes)
    }
}

extension IDXArray {
    /// Parses an uncompressed IDX file, checking the header against the byte count *before*
    /// allocating anything the header asks for. `file` names the source in errors.
    static func parse(_ bytes: [UInt8], file: String, inflated: Bool = false) throws(NNFastError) -> IDXArray {
        let header = try IDXHeader.parse(bytes, file: file, inflated: inflated)
        let actualBytes = bytes.count - header.size
        guard header.dataBytes <= actualBytes else {
            throw NNFastError(file, "truncated IDX data: header says \(header.dimensions) \(header.elementType) elements (\(header.dataBytes) bytes), file has \(actualBytes)")
        }
        guard header.dataBytes == actualBytes else {
            throw NNFastError(file, "\(actualBytes - header.dataBytes) unexpected bytes after the \(header.dimensions) \(header.elementType) elements the header declares")
        }
        return IDXArray(shape: header.shape,
                        elements: decode(bytes, from: header.size, count: header.elementCount, type: header.elementType))
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
    ///
    /// A gzip file is read in two phases: inflate just enough for the header, then inflate the
    /// rest into a buffer of exactly the size the header declares (refusing a header that
    /// claims more than the compressed file could hold, and data that runs past it). So a
    /// truncated or crafted file never costs more memory than its real content.
    static func load(_ path: String) throws(NNFastError) -> IDXArray {
        try decode(try FileBytes.read(path), file: path)
    }

    /// An IDX file's bytes, gzip-compressed or plain, as `load` reads them (`path` names the
    /// source in errors).
    static func decode(_ bytes: [UInt8], file path: String) throws(NNFastError) -> IDXArray {
        guard Gzip.hasMagic(bytes) else { return try parse(bytes, file: path) }
        let prefix = try Gzip.decompressPrefix(bytes, file: path, count: IDXHeader.maximumSize)
        guard prefix.count == IDXHeader.maximumSize else {
            // The whole file is smaller than the longest header: inflate it all (the gzip
            // errors, e.g. truncation, come first), then parse.
            return try parse(try Gzip.decompress(bytes, file: path, limit: IDXHeader.maximumSize), file: path, inflated: true)
        }
        let header = try IDXHeader.parse(prefix, file: path, inflated: true)
        let total = header.size + header.dataBytes
        let canHold = Gzip.maximumInflatedSize(compressedBytes: bytes.count)
        guard total <= canHold else {
            throw NNFastError(path, "IDX header declares \(header.dimensions) \(header.elementType) elements (\(total) bytes), more than this \(bytes.count)-byte gzip file can hold")
        }
        let plain = try Gzip.decompress(bytes, file: path, limit: total, expectedSize: total,
                                        excess: "decompresses to more than the \(total) bytes its IDX header declares (\(header.dimensions) \(header.elementType))")
        return try parse(plain, file: path, inflated: true)
    }

    /// The IDX encoding of this array (uncompressed).
    func encoded() -> [UInt8] {
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
