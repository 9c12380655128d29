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

    private struct LayerRecord {
        let inputs: Int, outputs: Int, activation: Activation
        /// Version 1 only: where the tensors are.
        var weightsOffset: UInt64 = 0, biasOffset: UInt64 = 0
    }

    private struct Description {
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

        let rank = Int(try r.u32("input rank"))
        guard (1...maximumRank).contains(rank) else { throw NNFastError(file, "corrupt model: input rank \(rank)") }
        var inputShape: [Int] = []
        var inputSize = 1
        for d in 0..<rank {
            let dimension = Int(try r.u32("input dimension \(d)"))
            let (product, overflow) = inputSize.multipliedReportingOverflow(by: dimension)
            guard dimension > 0, !overflow, product <= Int(UInt32.max) else {
                throw NNFastError(file, "corrupt model: input shape \(inputShape + [dimension]) is empty or too large")
            }
            inputShape.append(dimension)
            inputSize = product
        }
        let classCount = Int(try r.u32("class count"))
        guard classCount >= 1 else { throw NNFastError(file, "corrupt model: zero classes") }
        let namesText = try readText(&r, "class names")
        let classNames = namesText.isEmpty ? [] : namesText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard classNames.isEmpty || classNames.count == classCount else {
            throw NNFastError(file, "corrupt model: \(classNames.count) class names for \(classCount) classes")
        }

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
        guard expectedInputs == classCount else {
            throw NNFastError(file, "corrupt model: the last layer gives \(expectedInputs) outputs for \(classCount) classes")
        }
        return Description(loss: loss, pixelScale: pixelScale, pixelOffset: pixelOffset, inputShape: inputShape,
                           classNames: classNames, layers: layers)
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

    // MARK: Phase 4: the tensor table

    private struct TensorEntry {
        let name: String
        let shape: [Int]
        let precision: Precision
        let offset: UInt64
        /// Elements and bytes, overflow-checked when the entry was read.
        let count: Int
        var byteCount: UInt64 { UInt64(count) * UInt64(precision.byteSize) }
    }

    private static func readTensorTable(_ r: inout _ByteReader) throws(NNFastError) -> [TensorEntry] {
        let file = r.file
        let count = Int(try r.u32("tensor count"))
        guard count <= maximumTensors else { throw NNFastError(file, "corrupt model: \(count) tensors") }
        var entries: [TensorEntry] = []
        var seen = Set<String>()
        for t in 1...max(1, count) where t <= count {
            let nameLength = Int(try r.u16("tensor \(t) name length"))
            guard (1...maximumTensorNameBytes).contains(nameLength) else {
                throw NNFastError(file, "corrupt model: tensor \(t) has a name of \(nameLength) bytes")
            }
            guard let name = String(validating: try r.raw(nameLength, "tensor \(t) name"), as: UTF8.self) else {
                throw NNFastError(file, "corrupt model: tensor \(t)'s name is not UTF-8")
            }
            guard seen.insert(name).inserted else { throw NNFastError(file, "corrupt model: two tensors named \(name)") }
            let typeCode = try r.u16("tensor \(name) type")
            guard let precision = Precision(code: typeCode) else {
                throw NNFastError(file, "tensor \(name) has unknown type \(typeCode) (this nnfast reads 1 = float32, 2 = float16)")
            }
            let rank = Int(try r.u16("tensor \(name) rank"))
            guard (1...maximumTensorRank).contains(rank) else { throw NNFastError(file, "corrupt model: tensor \(name) has rank \(rank)") }
            var shape: [Int] = []
            var elements = 1
            for d in 0..<rank {
                let dimension = Int(try r.u32("tensor \(name) dimension \(d)"))
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard dimension >= 1, !overflow, product <= Int(UInt32.max) else {
                    throw NNFastError(file, "corrupt model: tensor \(name)'s shape \(shape + [dimension]) is empty or too large")
                }
                shape.append(dimension)
                elements = product
            }
            let offset = try r.u64("tensor \(name) offset")
            entries.append(TensorEntry(name: name, shape: shape, precision: precision, offset: offset, count: elements))
        }
        return entries
    }

    /// Version 1's tensors, described by the layer records, as table entries.
    private static func version1Table(_ layers: [LayerRecord], precision: Precision, file: String) throws(NNFastError) -> [TensorEntry] {
        var entries: [TensorEntry] = []
        for (index, layer) in layers.enumerated() {
            let (count, overflow) = layer.inputs.multipliedReportingOverflow(by: layer.outputs)
            guard !overflow, count <= Int(UInt32.max) else {
                throw NNFastError(file, "corrupt model: layer \(index + 1)'s tensors (\(layer.inputs)×\(layer.outputs)) do not fit in the file")
            }
            entries.append(TensorEntry(name: weightName(layer: index), shape: [layer.inputs, layer.outputs],
                                       precision: precision, offset: layer.weightsOffset, count: count))
            entries.append(TensorEntry(name: biasName(layer: index), shape: [layer.outputs],
                                       precision: precision, offset: layer.biasOffset, count: layer.outputs))
        }
        return entries
    }

    /// Every tensor is 64-byte aligned, lies between the end of the header and the CRC, and
    /// overlaps no other.
    private static func checkExtents(_ table: [TensorEntry], dataStart: Int, dataEnd: Int, file: String) throws(NNFastError) {
        for entry in table {
            let what = entry.name.hasPrefix("layer.") && entry.name.split(separator: ".").count == 3
                ? "layer \(entry.name.split(separator: ".")[1])'s tensors (\(entry.shape.map(String.init).joined(separator: "×")))"
                : "tensor \(entry.name)"
            guard entry.offset % UInt64(tensorAlignment) == 0, entry.offset <= UInt64(dataEnd),
                  UInt64(dataEnd) - entry.offset >= entry.byteCount else {
                throw NNFastError(file, "corrupt model: \(what) do\(what.hasPrefix("tensor ") ? "es" : "") not fit in the file")
            }
            guard entry.offset >= UInt64(dataStart) else {
                throw NNFastError(file, "corrupt model: \(what) overlap\(what.hasPrefix("tensor ") ? "s" : "") the header")
            }
        }
        let sorted = table.sorted { $0.offset < $1.offset }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.offset + previous.byteCount > next.offset {
            throw NNFastError(file, "corrupt model: tensors \(previous.name) and \(next.name) overlap")
        }
    }

    // MARK: Phase 5: the tensors

    private static func assemble(_ d: Description, metadata: [String: String], table: [TensorEntry],
                                 bytes: [UInt8], file: String) throws(NNFastError) -> ModelFile {
        let byName = Dictionary(table.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let network = Network(layers: d.layers.map { ($0.inputs, $0.outputs, $0.activation) }, loss: d.loss)
        var layerPrecisions: Set<Precision> = []
        for (index, layer) in network.layers.enumerated() {
            for (name, target) in [(weightName(layer: index), layer.weights), (biasName(layer: index), layer.bias)] {
                guard let entry = byName[name] else { throw NNFastError(file, "corrupt model: no tensor \(name)") }
                let expected = target === layer.bias ? [layer.outputSize] : [layer.inputSize, layer.outputSize]
                guard entry.shape == expected else {
                    throw NNFastError(file, "corrupt model: tensor \(name) has shape \(entry.shape), the layer needs \(expected)")
                }
                target.setValues(try finiteFloats(bytes, entry, file: file))
                layerPrecisions.insert(entry.precision)
            }
        }
        var model = ModelFile(inputShape: d.inputShape, pixelScale: d.pixelScale, pixelOffset: d.pixelOffset,
                              classNames: d.classNames, network: network, metadata: metadata)
        // Saved again in one precision: the stored one, or float32 for a (hand-made) mix, which
        // holds every value of every precision exactly.
        model.precision = layerPrecisions.count == 1 ? layerPrecisions.first! : .float32
        for entry in table where !entry.name.hasPrefix("layer.") {
            guard entry.shape.count <= 2 else { continue }  // no tensor nnfast uses has more; skipped like unknown names
            let matrix = Matrix(rows: entry.shape.count == 2 ? entry.shape[0] : 1, cols: entry.shape[entry.shape.count - 1])
            matrix.setValues(try finiteFloats(bytes, entry, file: file))
            model.extraTensors.append(NamedTensor(name: entry.name, matrix: matrix))
        }
        return model
    }

    /// The tensor's values; NaN or infinity is refused (no model nnfast writes holds one, so
    /// such a file is corrupt, and predictions from it would be silently meaningless).
    private static func finiteFloats(_ bytes: [UInt8], _ entry: TensorEntry, file: String) throws(NNFastError) -> [Float] {
        let values = floats(bytes, at: Int(entry.offset), count: entry.count, entry.precision)
        guard let bad = values.firstIndex(where: { !$0.isFinite }) else { return values }
        throw NNFastError(file, "corrupt model: tensor \(entry.name) holds \(values[bad]) at element \(bad)")
    }
}

extension ModelFile.Precision {
    /// The precision stored as `code`, or nil for a code this version does not know.
    init?(code: UInt16) {
        guard let match = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = match
    }
}

/// `count` little-endian tensor values at `offset` (already checked to be inside `bytes`).
private func floats(_ bytes: [UInt8], at offset: Int, count: Int, _ precision: ModelFile.Precision) -> [Float] {
    bytes.withUnsafeBytes { raw in
        switch precision {
        case .float32:
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self))) }
        case .float16:
            (0..<count).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 2 * $0, as: UInt16.self)))) }
        }
    }
}

private func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
