import CNNFastZlib

/// gzip decompression through zlib's inflate, strict about what a loader must not accept:
/// truncated streams, corrupt data (zlib checks the CRC-32 and length trailer), and trailing
/// bytes that are not another gzip member.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic 1f 8b.
    public static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates every gzip member in `bytes`. `file` names the source in errors; output beyond
    /// `limit` bytes is refused (a gzip bomb must not exhaust memory).
    public static func decompress(
        _ bytes: [UInt8], file: String, limit: Int = 1 << 32
    ) throws(NNFastError) -> [UInt8] {
        guard hasMagic(bytes) else { throw NNFastError(file, "not a gzip file (no 1f 8b magic)") }
        guard bytes.count >= 18 else {
            throw NNFastError(file, "truncated gzip file (\(bytes.count) bytes, shorter than a gzip header and trailer)")
        }
        // The trailer's ISIZE (length mod 2³²) of the last member is the usual exact size;
        // a wrong hint only costs a regrow.
        let tail = bytes.count - 4
        let sizeHint = Int(bytes[tail]) | Int(bytes[tail + 1]) << 8 | Int(bytes[tail + 2]) << 16
            | Int(bytes[tail + 3]) << 24
        return try inflateStream(bytes, windowBits: 15 + 16, sizeHint: sizeHint, file: file, limit: limit, kind: "gzip")
    }

    /// Inflates one zlib stream (as in PNG's IDAT data), refusing output beyond `limit` bytes.
    public static func decompressZlib(_ bytes: [UInt8], file: String, expectedSize: Int, limit: Int) throws(NNFastError) -> [UInt8] {
        try inflateStream(bytes, windowBits: 15, sizeHint: expectedSize, file: file, limit: limit, kind: "zlib")
    }

    private static func inflateStream(
        _ bytes: [UInt8], windowBits: Int32, sizeHint: Int, file: String, limit: Int, kind: String
    ) throws(NNFastError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: min(max(sizeHint, 1024), limit) + 1)
        var produced = 0

        var stream = z_stream()
        guard nnfast_inflateInit2(&stream, windowBits) == Z_OK else {
            throw NNFastError(file, "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }

        return try bytes.withUnsafeBufferPointer { (input) throws(NNFastError) -> [UInt8] in
            var consumed = 0
            while true {
                if stream.avail_in == 0 && consumed < input.count {
                    let chunk = min(input.count - consumed, 1 << 30)
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                    stream.avail_in = UInt32(chunk)
                    consumed += chunk
                }
                if produced == output.count {
                    guard output.count < limit else {
                        throw NNFastError(file, "decompresses to more than \(limit) bytes; refusing")
                    }
                    output.append(contentsOf: repeatElement(0, count: min(output.count, limit - output.count)))
                }
                let room = min(output.count - produced, 1 << 30)
                let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = UInt32(room)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return status
                }
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    let remaining = Int(stream.avail_in) + (input.count - consumed)
                    if remaining == 0 {
                        output.removeSubrange(produced...)
                        return output
                    }
                    let next = input.count - remaining
                    guard kind == "gzip", remaining >= 2, input[next] == 0x1F, input[next + 1] == 0x8B else {
                        throw NNFastError(file, "\(remaining) unexpected bytes after the end of the \(kind) data")
                    }
                    inflateReset(&stream)  // another member follows (as `cat a.gz b.gz` makes)
                case Z_BUF_ERROR where stream.avail_in == 0 && consumed == input.count && stream.avail_out > 0:
                    throw NNFastError(file, "truncated \(kind) data: the stream ends early (after \(produced) decompressed bytes)")
                case Z_BUF_ERROR:
                    continue  // out of output room: grow and retry
                case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
                    let reason = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    throw NNFastError(file, "corrupt \(kind) data: \(reason)")
                case Z_MEM_ERROR:
                    throw NNFastError(file, "out of memory while decompressing")
                default:
                    throw NNFastError(file, "zlib inflate failed (status \(status))")
                }
            }
        }
    }
}
