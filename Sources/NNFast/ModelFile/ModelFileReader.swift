import Foundation

extension ModelFile {
    /// Reads and checks a `.nnw` file; every failure is one line naming the file.
    public static func load(_ path: String) throws(NNFastError) -> ModelFile {
        try decode(try FileBytes.read(path), file: path)
    }

    /// Parses `.nnw` bytes strictly, in the phases of the specification (Docs/nnw-format.md):
    /// the envelope (magic, version, length, CRC), the model description, the metadata, the
    /// tensor table (version 2) or the layer records' offsets (version 1), then the tensors.
    /// Every field is checked against the bytes that are really there, and every tensor's
    /// extent against the file, before anything is allocated from it.
    public static func decode(_ bytes: [UInt8], file: String) throws(NNFastError) -> ModelFile {
        var r = _ByteReader(bytes, file: file)
        let envelope = try readEnvelope(&r)
        let description = try readDescription(&r, version: envelope.version)
        let metadata = try readMetadata(&r)
        let table: [TensorEntry]
        if envelope.version == 1 {
            table = try version1Table(description.layers, precision: envelope.version1Precision!, file: file)
        } else {
            table = try readTensorTable(&r)
        }
        try checkExtents(table, dataStart: r.offset, dataEnd: bytes.count - 4, file: file)
        return try assemble(description, metadata: metadata, table: table, bytes: bytes, file: file)
    }

    // MARK: Phase 1: the envelope

    private struct Envelope {
        let version: UInt16
        /// Version 1 stored one precision for every tensor in the header.
        let version1Precision: Precision?
    }

    private static func readEnvelope(_ r: inout _ByteReader) throws(NNFastError) -> Envelope {
        let bytes = r.bytes, file = r.file
        guard bytes.count >= magic.count else {
            throw NNFastError(file, bytes.isEmpty ? "empty file, not an nnfast model" : "not an nnfast model (only \(bytes.count) bytes)")
        }
        guard Array(bytes[0..<magic.count]) == magic else {
            throw NNFastError(file, "not an nnfast model (no NNFASTW magic)")
        }
        r.offset = magic.count
        let version = try r.u16("format version")
        guard version >= 1 else { throw NNFastError(file, "corrupt model: format version 0") }
        guard version <= formatVersion else {
            throw NNFastError(file, "model format version \(version) is newer than this nnfast reads (\(formatVersion)); upgrade nnfast")
        }
        let precisionField = try r.u16(version == 1 ? "precision" : "reserved field")
        let declaredLength = try r.u64("file length")
        guard declaredLength == UInt64(bytes.count) else {
            throw NNFastError(file, declaredLength > UInt64(bytes.count)
                ? "truncated model: the header says \(declaredLength) bytes, the file has \(bytes.count)"
                : "model has \(UInt64(bytes.count) - declaredLength) unexpected bytes after its \(declaredLength)")
        }
        let stored = UInt32(bytes[bytes.count - 4]) | UInt32(bytes[bytes.count - 3]) << 8
            | UInt32(bytes[bytes.count - 2]) << 16 | UInt32(bytes[bytes.count - 1]) << 24
        let computed = crc32Checksum(bytes[0..<(bytes.count - 4)])
        guard stored == computed || !verifiesChecksums else {
            throw NNFastError(file, "corrupt model: CRC-32 mismatch (stored \(hex32(stored)), computed \(hex32(computed)))")
        }
        guard version == 1 else {
            guard precisionField == 0 else { throw NNFastError(file, "corrupt model: reserved header field is \(precisionField)") }
            return Envelope(version: version, version1Precision: nil)
        }
        guard let precision = Precision(code: precisionField) else {
            throw NNFastError(file, "unsupported tensor precision \(precisionField) (this nnfast reads 1 = float32, 2 = float16)")
        }
        return Envelope(version: version, version1Precision: precision)
    }

    // MARK: Phase 2: the model description

    struct LayerRecord {
        let inputs: Int, outputs: Int, activation: Activation
        /// Version 1 only: where the tensors are.
        var weightsOffset: UInt64 = 0, biasOffset: UInt64 = 0
    }

    struct Description {
        let loss: Loss
        let pixelScale: Float, pixelOffset: Float
        let inputShape: [Int]
        let classNames: [String]
        let layers: [LayerRecord]
    }

    private static func readDescription(_ r: inout _ByteReader, version: UInt16) throws(NNFastError) -> Description {
        let file = r.file
        let lossCode = try r.u32("loss")
        guard let loss = Loss(code: lossCode) else { throw NNFastError(file, "unknown loss kind \(lossCode)") }
        let pixelScale = try r.f32("pixel scale"), pixelOffset = try r.f32("pixel offset")
        guard pixelScale.isFinite, pixelOffset.isFinite else { throw NNFastError(file, "corrupt model: pixel normalization is not finite") }
        let inputShape = try readInputShape(&r)
        let classCount = Int(try r.u32("class count"))
        guard classCount >= 1 else { throw NNFastError(file, "corrupt model: zero classes") }
        let namesText = try readText(&r, "class names")
        let classNames = namesText.isEmpty ? [] : namesText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard classNames.isEmpty || classNames.count == classCount else {
            throw NNFastError(file, "corrupt model: \(classNames.count) class names for \(classCount) classes")
        }
        let layers = try readLayers(&r, version: version, inputSize: inputShape.reduce(1, *))
        guard layers.last!.outputs == classCount else {
            throw NNFastError(file, "corrupt model: the last layer gives \(layers.last!.outputs) outputs for \(classCount) classes")
        }
        return Description(loss: loss, pixelScale: pixelScale, pixelOffset: pixelOffset, inputShape: inputShape,
                           classNames: classNames, layers: layers)
    }

    /// The input rank and dimensions, their product bounded to a u32.
    private static func readInputShape(_ r: inout _ByteReader) throws(NNFastError) -> [Int] {
        let rank = Int(try r.u32("input rank"))
        guard (1...maximumRank).contains(rank) else { throw NNFastError(r.file, "corrupt model: input rank \(rank)") }
        var inputShape: [Int] = []
        var inputSize = 1
        for d in 0..<rank {
            let dimension = Int(try r.u32("input dimension \(d)"))
            let (product, overflow) = inputSize.multipliedReportingOverflow(by: dimension)
            guard dimension > 0, !overflow, product <= Int(UInt32.max) else {
                throw NNFastError(r.file, "corrupt model: input shape \(inputShape + [dimension]) is empty or too large")
            }
            inputShape.append(dimension)
            inputSize = product
        }
        return inputShape
    }

    /// The layer records (bounded in number), each taking what the one before it gives.
    private static func readLayers(_ r: inout _ByteReader, version: UInt16, inputSize: Int) throws(NNFastError) -> [LayerRecord] {
        let file = r.file
        let layerCount = Int(try r.u32("layer count"))
        guard (1...maximumLayers).contains(layerCount) else { throw NNFastError(file, "corrupt model: \(layerCount) layers") }
        var layers: [LayerRecord] = []
        var expectedInputs = inputSize
        for l in 1...layerCount {
            let kind = try r.u32("layer \(l) kind")
            guard kind == 1 else { throw NNFastError(file, "layer \(l) has unknown kind \(kind) (this nnfast knows 1 = dense)") }
            let inputs = Int(try r.u32("layer \(l) inputs")), outputs = Int(try r.u32("layer \(l) outputs"))
            let activationCode = try r.u32("layer \(l) activation")
            guard let activation = Activation(code: activationCode) else {
                throw NNFastError(file, "layer \(l) has unknown activation \(activationCode)")
            }
            guard inputs == expectedInputs else {
                throw NNFastError(file, "corrupt model: layer \(l) takes \(inputs) inputs but \(l == 1 ? "the input shape has" : "layer \(l - 1) gives") \(expectedInputs)")
            }
            guard outputs >= 1 else { throw NNFastError(file, "corrupt model: layer \(l) has no outputs") }
            var record = LayerRecord(inputs: inputs, outputs: outputs, activation: activation)
            if version == 1 {
                record.weightsOffset = try r.u64("layer \(l) weights offset")
                record.biasOffset = try r.u64("layer \(l) bias offset")
            }
            layers.append(record)
            expectedInputs = outputs
        }
        return layers
    }

    /// A u32 byte count (bounded) and that many bytes of UTF-8.
    private static func readText(_ r: inout _ByteReader, _ field: String) throws(NNFastError) -> String {
        let length = Int(try r.u32("\(field) length"))
        guard length <= maximumTextBytes else { throw NNFastError(r.file, "corrupt model: \(field) of \(length) bytes") }
        guard let text = String(validating: try r.raw(length, field), as: UTF8.self) else {
            throw NNFastError(r.file, "corrupt model: \(field) are not UTF-8")
        }
        return text
    }

    // MARK: Phase 3: metadata

    private static func readMetadata(_ r: inout _ByteReader) throws(NNFastError) -> [String: String] {
        let text = try readText(&r, "metadata")
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw NNFastError(r.file, "corrupt model: metadata is not a JSON object")
        }
        var metadata: [String: String] = [:]
        for (key, value) in object { metadata[key] = "\(value)" }
        return metadata
    }
}

extension ModelFile.Precision {
    /// The precision stored as `code`, or nil for a code this version does not know.
    init?(code: UInt16) {
        guard let match = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = match
    }
}

private func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
