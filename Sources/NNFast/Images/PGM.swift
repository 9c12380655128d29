/// Netpbm PGM: P5 (binary) and P2 (ASCII), maxval 1…65535 (2-byte big-endian samples above
/// 255), `#` comments anywhere in the header, any width × height.
enum PGM {
    /// Whether `bytes` start like a PGM file.
    static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == UInt8(ascii: "P") && (bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "2"))
    }

    static func decode(_ bytes: [UInt8], file: String) throws(NNFastError) -> GrayImage {
        guard hasMagic(bytes) else { throw NNFastError(file, "not a PGM image (expected P5 or P2 magic)") }
        let ascii = bytes[1] == UInt8(ascii: "2")
        var position = 2
        let width = try headerNumber(bytes, &position, "width", file)
        let height = try headerNumber(bytes, &position, "height", file)
        let maxval = try headerNumber(bytes, &position, "maxval", file)
        guard width > 0, height > 0 else { throw NNFastError(file, "PGM size \(width)×\(height) is empty") }
        guard width <= InputLimits.imagePixels / height else {
            throw NNFastError(file, "PGM size \(width)×\(height) is more than \(InputLimits.imagePixels) pixels; refusing")
        }
        guard (1...65535).contains(maxval) else { throw NNFastError(file, "PGM maxval \(maxval) is outside 1…65535") }
        let count = width * height
        let scale = 1 / Float(maxval)
        if ascii {
            // n samples take at least 2n − 1 bytes of text: refuse a header the file cannot
            // satisfy before reserving room for it.
            guard count <= (bytes.count - position + 1) / 2 else {
                throw NNFastError(file, "PGM pixel data is \(bytes.count - position) bytes of text, too few for the \(count) samples the header says")
            }
            var pixels: [Float] = []
            pixels.reserveCapacity(count)
            for index in 0..<count {
                guard let sample = try number(bytes, &position, file) else {
                    throw NNFastError(file, "PGM pixel data ends after \(index) of \(count) samples")
                }
                guard sample <= maxval else { throw NNFastError(file, "PGM sample \(sample) at \(index) exceeds maxval \(maxval)") }
                pixels.append(Float(sample) * scale)
            }
            return GrayImage(width: width, height: height, pixels: pixels, maxval: maxval)
        }
        // P5: exactly one whitespace byte after maxval, then the raster.
        guard position < bytes.count, isSpace(bytes[position]) else {
            throw NNFastError(file, "PGM header is not followed by pixel data")
        }
        position += 1
        let sampleBytes = maxval < 256 ? 1 : 2
        let needed = count * sampleBytes
        guard bytes.count - position >= needed else {
            throw NNFastError(file, "PGM pixel data is \(bytes.count - position) bytes, the header says \(needed)")
        }
        var pixels = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let sample = sampleBytes == 1 ? Int(bytes[position + index])
                : Int(bytes[position + 2 * index]) << 8 | Int(bytes[position + 2 * index + 1])
            guard sample <= maxval else { throw NNFastError(file, "PGM sample \(sample) at \(index) exceeds maxval \(maxval)") }
            pixels[index] = Float(sample) * scale
        }
        return GrayImage(width: width, height: height, pixels: pixels, maxval: maxval)
    }

    private static func headerNumber(_ bytes: [UInt8], _ position: inout Int, _ field: String, _ file: String) throws(NNFastError) -> Int {
        guard let value = try number(bytes, &position, file) else {
            throw NNFastError(file, "PGM header ends before its \(field)")
        }
        return value
    }

    /// The next decimal number, skipping whitespace and `#` comments; nil at the end of the data.
    private static func number(_ bytes: [UInt8], _ position: inout Int, _ file: String) throws(NNFastError) -> Int? {
        while position < bytes.count {
            if bytes[position] == UInt8(ascii: "#") {
                while position < bytes.count && bytes[position] != 10 && bytes[position] != 13 { position += 1 }
            } else if isSpace(bytes[position]) {
                position += 1
            } else {
                break
            }
        }
        guard position < bytes.count else { return nil }
        var value = 0
        var digits = 0
        while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 {
            value = value * 10 + Int(bytes[position] - 48)
            digits += 1
            position += 1
            guard value <= 1 << 31 else { throw NNFastError(file, "PGM number too large at byte \(position)") }
        }
        guard digits > 0 else {
            throw NNFastError(file, "PGM header has an unexpected byte \(bytes[position]) at offset \(position)")
        }
        return value
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 9 || byte == 10 || byte == 13 || byte == 11 || byte == 12
    }

    /// A P5 file of `image` with maxval 255 (or 65535 with `sixteenBit`).
    static func encode(_ image: GrayImage, sixteenBit: Bool = false) -> [UInt8] {
        let maxval = sixteenBit ? 65535 : 255
        var bytes = Array("P5\n\(image.width) \(image.height)\n\(maxval)\n".utf8)
        for value in image.pixels {
            let sample = Int((min(max(value, 0), 1) * Float(maxval)).rounded())
            if sixteenBit { bytes.append(UInt8(sample >> 8)) }
            bytes.append(UInt8(sample & 0xFF))
        }
        return bytes
    }
}
