/// PNG: 8- and 16-bit grayscale, gray + alpha, RGB and RGBA, non-interlaced, every chunk's
/// CRC checked, image data inflated through zlib with its size bounded by the header. Color is
/// reduced to luminance (Rec. 601 weights); transparent pixels are composited over white paper.
enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && Array(bytes[0..<8]) == signature
    }

    /// Decodes in the order of the format: signature and chunks (each CRC checked), the IHDR
    /// header, the image data inflated into exactly the size the header implies, the row
    /// filters undone, then each pixel reduced to gray.
    static func decode(_ bytes: [UInt8], file: String) throws(NNFastError) -> GrayImage {
        guard hasMagic(bytes) else { throw NNFastError(file, "not a PNG image (bad signature)") }
        var (header, compressed) = try readChunks(bytes, file: file)
        guard !compressed.isEmpty else { throw NNFastError(file, "corrupt PNG: no image data") }
        let expected = header.height * (header.rowBytes + 1)
        guard expected <= Gzip.maximumInflatedSize(compressedBytes: compressed.count) else {
            throw NNFastError(file, "corrupt PNG: \(compressed.count) bytes of image data cannot hold \(header.width)×\(header.height) pixels")
        }
        var raw = try Gzip.decompressZlib(compressed, file: file, expectedSize: expected, limit: expected)
        compressed = []
        guard raw.count == expected else {
            throw NNFastError(file, "corrupt PNG: image data is \(raw.count) bytes, \(header.width)×\(header.height) needs \(expected)")
        }
        try unfilter(&raw, rowBytes: header.rowBytes, height: header.height, bytesPerPixel: header.bytesPerPixel, file: file)
        return gray(raw, header: header)
    }

    /// What IHDR declares, and the sizes that follow from it.
    struct Header {
        let width: Int, height: Int, depth: Int, color: Int
        var channels: Int { [0: 1, 2: 3, 4: 2, 6: 4][color]! }
        var bytesPerPixel: Int { channels * depth / 8 }
        var rowBytes: Int { width * bytesPerPixel }
    }

    /// Walks the chunks after the signature up to IEND, checking each one's length and CRC:
    /// the header, and every IDAT's bytes joined (ancillary chunks are skipped).
    private static func readChunks(_ bytes: [UInt8], file: String) throws(NNFastError) -> (Header, [UInt8]) {
        var position = 8
        var header: Header?
        var compressed: [UInt8] = []
        var ended = false
        while !ended {
            guard bytes.count - position >= 12 else { throw NNFastError(file, "truncated PNG: a chunk is cut off at byte \(position)") }
            let length = bigEndian32(bytes, position)
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            guard length <= bytes.count - position - 12 else {
                throw NNFastError(file, "truncated PNG: chunk \(type) of \(length) bytes runs past the end of the file")
            }
            let body = position + 8
            let stored = UInt32(bigEndian32(bytes, body + length))
            guard !verifiesChecksums || crc32Checksum(bytes[(position + 4)..<(body + length)]) == stored else {
                throw NNFastError(file, "corrupt PNG: CRC mismatch in chunk \(type)")
            }
            switch type {
            case "IHDR":
                guard length == 13, header == nil else { throw NNFastError(file, "corrupt PNG: bad IHDR chunk") }
                header = try readHeader(bytes[body..<(body + length)], file: file)
            case "IDAT":
                guard header != nil else { throw NNFastError(file, "corrupt PNG: image data before the IHDR chunk") }
                compressed += bytes[body..<(body + length)]
            case "IEND":
                ended = true
            default:
                break  // ancillary chunks (gamma, text, …) are ignored
            }
            position = body + length + 4
        }
        guard let header else { throw NNFastError(file, "corrupt PNG: no IHDR chunk") }
        return (header, compressed)
    }

    /// IHDR's 13 bytes: size, bit depth, color type, and the methods this decoder supports.
    private static func readHeader(_ chunk: ArraySlice<UInt8>, file: String) throws(NNFastError) -> Header {
        let bytes = Array(chunk)
        let width = bigEndian32(bytes, 0), height = bigEndian32(bytes, 4)
        let depth = Int(bytes[8]), color = Int(bytes[9])
        guard bytes[10] == 0, bytes[11] == 0 else { throw NNFastError(file, "corrupt PNG: unknown compression or filter method") }
        guard bytes[12] == 0 else { throw NNFastError(file, "interlaced PNG is not supported; save it without interlacing") }
        guard [0, 2, 4, 6].contains(color), depth == 8 || depth == 16 else {
            throw NNFastError(file, "PNG color type \(color) at \(depth) bits is not supported (8- or 16-bit gray, gray+alpha, RGB or RGBA)")
        }
        guard width > 0, height > 0 else { throw NNFastError(file, "PNG size \(width)×\(height) is empty") }
        guard width <= InputLimits.imagePixels / height else {
            throw NNFastError(file, "PNG size \(width)×\(height) is more than \(InputLimits.imagePixels) pixels; refusing")
        }
        return Header(width: width, height: height, depth: depth, color: color)
    }

    /// The luminance of each pixel of unfiltered rows (each still led by its filter byte).
    private static func gray(_ rows: [UInt8], header: Header) -> GrayImage {
        let (channels, rowBytes) = (header.channels, header.rowBytes)
        let maxval = header.depth == 16 ? 65535 : 255
        let scale = 1 / Float(maxval)
        let sampleBytes = header.depth / 8
        var pixels = [Float](repeating: 0, count: header.width * header.height)
        for y in 0..<header.height {
            let row = y * (rowBytes + 1) + 1
            for x in 0..<header.width {
                func sample(_ c: Int) -> Float {
                    let at = row + (x * channels + c) * sampleBytes
                    return Float(sampleBytes == 2 ? Int(rows[at]) << 8 | Int(rows[at + 1]) : Int(rows[at])) * scale
                }
                let gray = channels >= 3 ? 0.299 * sample(0) + 0.587 * sample(1) + 0.114 * sample(2) : sample(0)
                let alpha = channels == 2 ? sample(1) : channels == 4 ? sample(3) : 1
                pixels[y * header.width + x] = alpha * gray + (1 - alpha)  // over white paper
            }
        }
        return GrayImage(width: header.width, height: header.height, pixels: pixels, maxval: maxval)
    }

    /// Undoes the per-row filters (None, Sub, Up, Average, Paeth) in place: each row of
    /// `data` keeps its filter byte in front, so no second image-sized buffer is needed.
    static func unfilter(_ data: inout [UInt8], rowBytes: Int, height: Int, bytesPerPixel: Int, file: String) throws(NNFastError) {
        let stride = rowBytes + 1
        for y in 0..<height {
            let filter = data[y * stride]
            let row = y * stride + 1
            guard filter <= 4 else { throw NNFastError(file, "corrupt PNG: unknown row filter \(filter) in row \(y)") }
            for i in 0..<rowBytes {
                let left = i >= bytesPerPixel ? Int(data[row + i - bytesPerPixel]) : 0
                let up = y > 0 ? Int(data[row - stride + i]) : 0
                let upLeft = (y > 0 && i >= bytesPerPixel) ? Int(data[row - stride + i - bytesPerPixel]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = left
                case 2: predictor = up
                case 3: predictor = (left + up) / 2
                default:
                    let p = left + up - upLeft
                    let pa = abs(p - left), pb = abs(p - up), pc = abs(p - upLeft)
                    predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft
                }
                data[row + i] = UInt8(truncatingIfNeeded: Int(data[row + i]) + predictor)
            }
        }
    }

    private static func bigEndian32(_ bytes: [UInt8], _ at: Int) -> Int {
        Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
    }
}
