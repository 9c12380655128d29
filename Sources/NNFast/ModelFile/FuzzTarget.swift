/// What each libFuzzer harness (`Fuzz/`, run by `tools/fuzz.sh`) does with one input, kept in
/// the library so the regression test replays `Fixtures/fuzz-regressions/` through exactly the
/// same code. Every reader must return or throw, never crash, hang or allocate beyond its
/// documented bounds; what it accepts must also survive the obvious next steps (re-encoding,
/// pairing with labels, preparing a digit, running the network).
enum FuzzTarget: String, CaseIterable {
    case idx, pgm, png, nnw

    func run(_ input: [UInt8]) {
        // An input found with checksums off replays the same way in a normal build once its
        // checksums are made right.
        let bytes = verifiesChecksums ? Self.sealed(input, as: self) : input
        switch self {
        case .idx: Self.idx(bytes)
        case .pgm: Self.image((try? PGM.decode(bytes, file: "fuzz.pgm")))
        case .png: Self.image((try? PNG.decode(bytes, file: "fuzz.png")))
        case .nnw: Self.model(bytes)
        }
    }

    /// `bytes` with the `.nnw` trailer CRC, or every PNG chunk CRC, recomputed.
    static func sealed(_ bytes: [UInt8], as target: FuzzTarget) -> [UInt8] {
        var sealed = bytes
        func store(_ value: UInt32, at offset: Int, bigEndian: Bool) {
            for i in 0..<4 { sealed[offset + i] = UInt8(truncatingIfNeeded: value >> (bigEndian ? 24 - 8 * i : 8 * i)) }
        }
        switch target {
        case .nnw where bytes.count >= 4:
            store(crc32Checksum(sealed[0..<(bytes.count - 4)]), at: bytes.count - 4, bigEndian: false)
        case .png:
            var position = 8
            while position + 12 <= sealed.count {
                let length = Int(sealed[position]) << 24 | Int(sealed[position + 1]) << 16
                    | Int(sealed[position + 2]) << 8 | Int(sealed[position + 3])
                guard length <= sealed.count - position - 12 else { break }
                store(crc32Checksum(sealed[(position + 4)..<(position + 8 + length)]), at: position + 8 + length, bigEndian: true)
                position += 12 + length
            }
        default:
            break
        }
        return sealed
    }

    private static func idx(_ bytes: [UInt8]) {
        guard let array = try? IDXArray.decode(bytes, file: "fuzz.idx") else { return }
        // Accepted data re-encodes to the same bytes (compared as bytes: NaN ≠ NaN as Floats).
        let encoded = array.encoded()
        let again = try? IDXArray.parse(encoded, file: "again")
        precondition(again?.encoded() == encoded, "IDX round trip changed the array")
        guard let count = array.shape.first, count <= 1 << 16 else { return }
        let labels = IDXArray(shape: [count], elements: .u8((0..<count).map { UInt8($0 % 10) }))
        if let dataset = try? Dataset(images: array, imagesSource: "i", labels: labels, labelsSource: "l") {
            precondition(dataset.count == count && dataset.pixels.count == count * dataset.pixelsPerImage)
        }
    }

    private static func image(_ image: GrayImage?) {
        guard let image, image.width * image.height <= 1 << 20 else { return }
        precondition(image.pixels.allSatisfy { (0...1).contains($0) }, "a sample outside 0…1")
        let field = DigitPreprocessing.mnistStyle(image)
        precondition(field.width == 28 && field.height == 28 && field.pixels.allSatisfy(\.isFinite))
    }

    private static func model(_ bytes: [UInt8]) {
        guard let model = try? ModelFile.decode(bytes, file: "fuzz.nnw") else { return }
        // Accepted models re-encode and read back, and run.
        do {
            let again = try ModelFile.decode(model.encoded(), file: "again")
            precondition(again.network.sizes == model.network.sizes, "model round trip changed the layers")
        } catch {
            preconditionFailure("an accepted model does not read back after saving: \(error)")
        }
        guard model.network.layers.allSatisfy({ $0.inputSize * $0.outputSize <= 1 << 22 }) else { return }
        let prediction = model.predict(samples255: [Float](repeating: 128, count: model.network.inputSize))
        precondition(prediction.ranked.count == model.classCount || model.classCount == 0)
    }
}
