import CNNFastZlib

/// gzip decompression through zlib's inflate, strict about what a loader must not accept:
/// truncated streams, corrupt data (zlib checks the CRC-32 and length trailer), trailing
/// bytes that are not another gzip member, and output beyond what the caller can justify.
///
/// Memory follows the data actually inflated, never a header's claim: the first buffer trusts
/// a size hint only up to `InputLimits.trustedInflateRatio` times the compressed size, and
/// grows by doubling, so a truncated or crafted file costs about what it really decompresses to.
enum Gzip {
    /// Whether `bytes` start with the gzip magic 1f 8b.
    static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates every gzip member in `bytes`. `file` names the source in errors; output beyond
    /// `limit` bytes is refused as soon as it appears (a gzip bomb must not exhaust memory).
    /// `expectedSize`, when the caller knows it (e.g. from an IDX header), replaces the
    /// trailer's ISIZE as the size hint; `excess` replaces the error message for output
    /// beyond the limit.
    static func decompress(
        _ bytes: [UInt8], file: String, limit: Int = InputLimits.idxBytes, expectedSize: Int? = nil,
        excess: String? = nil
    ) throws(NNFastError) -> [UInt8] {
        try checkFraming(bytes, file: file)
        let sizeHint = expectedSize ?? trailerSize(bytes)
        var inflater = _Inflater(windowBits: 15 + 16, kind: "gzip", file: file, excess: excess)
        return try inflater.run(bytes, sizeHint: sizeHint, limit: limit, stopAtLimit: false)
    }

    /// The first `count` bytes `bytes` decompress to (fewer when the data ends or is cut off
    /// first): enough to read a header before deciding how much the whole file may take.
    /// Corrupt data is still an error.
    static func decompressPrefix(_ bytes: [UInt8], file: String, count: Int) throws(NNFastError) -> [UInt8] {
        try checkFraming(bytes, file: file)
        var inflater = _Inflater(windowBits: 15 + 16, kind: "gzip", file: file)
        return try inflater.run(bytes, sizeHint: count, limit: count, stopAtLimit: true)
    }

    /// Inflates one zlib stream (as in PNG's IDAT data), refusing output beyond `limit` bytes.
    static func decompressZlib(_ bytes: [UInt8], file: String, expectedSize: Int, limit: Int) throws(NNFastError) -> [UInt8] {
        var inflater = _Inflater(windowBits: 15, kind: "zlib", file: file)
        return try inflater.run(bytes, sizeHint: expectedSize, limit: limit, stopAtLimit: false)
    }

    /// The most bytes `compressedBytes` of deflate data can decompress to.
    static func maximumInflatedSize(compressedBytes: Int) -> Int {
        let (product, overflow) = compressedBytes.multipliedReportingOverflow(by: InputLimits.maximumInflateRatio)
        return overflow ? Int.max : product
    }

    private static func checkFraming(_ bytes: [UInt8], file: String) throws(NNFastError) {
        guard hasMagic(bytes) else { throw NNFastError(file, "not a gzip file (no 1f 8b magic)") }
        guard bytes.count >= 18 else {
            throw NNFastError(file, "truncated gzip file (\(bytes.count) bytes, shorter than a gzip header and trailer)")
        }
    }

    /// The last member's ISIZE (length mod 2³²): exact for an intact single-member file,
    /// arbitrary bytes in a truncated one, so it is only ever a hint.
    private static func trailerSize(_ bytes: [UInt8]) -> Int {
        let tail = bytes.count - 4
        return Int(bytes[tail]) | Int(bytes[tail + 1]) << 8 | Int(bytes[tail + 2]) << 16 | Int(bytes[tail + 3]) << 24
    }
}

/// One inflate run over a whole input: the output buffer, the zlib stream and how far each has
/// got. Phases: start zlib, then repeatedly feed input / make output room / inflate, and act on
/// zlib's status (done, another gzip member, needs room, truncated, corrupt).
private struct _Inflater {
    let windowBits: Int32
    let kind: String
    let file: String
    var excess: String? = nil

    private var output: [UInt8] = []
    private var produced = 0

    init(windowBits: Int32, kind: String, file: String, excess: String? = nil) {
        self.windowBits = windowBits
        self.kind = kind
        self.file = file
        self.excess = excess
    }

    /// Inflates `input`. Output beyond `limit` is an error, or with `stopAtLimit` the end of
    /// the wanted prefix (and then running out of input is not an error either).
    mutating func run(_ input: [UInt8], sizeHint: Int, limit: Int, stopAtLimit: Bool) throws(NNFastError) -> [UInt8] {
        let trusted = input.count.multipliedReportingOverflow(by: InputLimits.trustedInflateRatio)
        let firstSize = min(max(sizeHint, 1024), trusted.overflow ? Int.max : trusted.partialValue + 4096, limit)
        // One byte beyond the limit lets "exactly `limit` bytes" end cleanly and "more" be seen.
        let capacity = stopAtLimit ? limit : limit + 1
        output = [UInt8](repeating: 0, count: min(firstSize + 1, capacity))

        var stream = z_stream()
        guard nnfast_inflateInit2(&stream, windowBits) == Z_OK else {
            throw NNFastError(file, "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }

        return try input.withUnsafeBufferPointer { (input) throws(NNFastError) -> [UInt8] in
            var consumed = 0
            while true {
                if stream.avail_in == 0 && consumed < input.count {
                    let chunk = min(input.count - consumed, 1 << 30)
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                    stream.avail_in = UInt32(chunk)
                    consumed += chunk
                }
                if produced == output.count {
                    if stopAtLimit && produced == limit { return finished() }
                    try growOutput(capacity: capacity, limit: limit)
                }
                let status = inflateIntoOutput(&stream)
                let inputLeft = Int(stream.avail_in) + (input.count - consumed)
                if try isComplete(status, &stream, input: input, inputLeft: inputLeft, stopAtLimit: stopAtLimit) {
                    return finished()
                }
            }
        }
    }

    /// Doubles the output buffer, up to `capacity`; past it the data is larger than allowed.
    private mutating func growOutput(capacity: Int, limit: Int) throws(NNFastError) {
        guard output.count < capacity else {
            throw NNFastError(file, excess ?? "decompresses to more than \(limit) bytes; refusing")
        }
        output.append(contentsOf: repeatElement(0, count: min(output.count, capacity - output.count)))
    }

    /// Acts on zlib's status after one `inflate`: true when the data is complete, false to go
    /// on (more output room, or another gzip member); every failure is thrown as one line.
    private func isComplete(_ status: Int32, _ stream: inout z_stream, input: UnsafeBufferPointer<UInt8>,
                            inputLeft: Int, stopAtLimit: Bool) throws(NNFastError) -> Bool {
        switch status {
        case Z_OK:
            return false
        case Z_STREAM_END:
            if inputLeft == 0 { return true }
            let next = input.count - inputLeft
            guard kind == "gzip", inputLeft >= 2, input[next] == 0x1F, input[next + 1] == 0x8B else {
                throw NNFastError(file, "\(inputLeft) unexpected bytes after the end of the \(kind) data")
            }
            inflateReset(&stream)  // another member follows (as `cat a.gz b.gz` makes)
            return false
        case Z_BUF_ERROR where inputLeft == 0 && stream.avail_out > 0:
            if stopAtLimit { return true }
            throw NNFastError(file, "truncated \(kind) data: the stream ends early (after \(produced) decompressed bytes)")
        case Z_BUF_ERROR:
            return false  // out of output room: grow and retry
        case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
            let reason = stream.msg.map { String(cString: $0) } ?? "invalid data"
            throw NNFastError(file, "corrupt \(kind) data: \(reason)")
        case Z_MEM_ERROR:
            throw NNFastError(file, "out of memory while decompressing")
        default:
            throw NNFastError(file, "zlib inflate failed (status \(status))")
        }
    }

    /// One `inflate` call into the free part of the output buffer.
    private mutating func inflateIntoOutput(_ stream: inout z_stream) -> Int32 {
        let room = min(output.count - produced, 1 << 30)
        let start = produced
        var made = 0
        let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
            stream.next_out = out.baseAddress! + start
            stream.avail_out = UInt32(room)
            let status = inflate(&stream, Z_NO_FLUSH)
            made = room - Int(stream.avail_out)
            return status
        }
        produced += made
        return status
    }

    private mutating func finished() -> [UInt8] {
        output.removeSubrange(produced...)
        return output
    }
}
