import Foundation

extension ModelFile {
    /// Reads and checks a `.nnw` file; every failure is one line naming the file.
    public static func load(_ path: String) throws(NNFastError) -> ModelFile {
        try decode(try FileBytes.read(path), file: path)
    }

    /// Parses `.nnw` bytes strictly: magic, version, length and CRC first, then every field
    /// against the bytes that are really there, before anything is allocated from it.
    public static func decode(_ bytes: [UInt8], file: String) throws(NNFastError) -> ModelFile {
        guard bytes.count >= magic.count else {
            throw NNFastError(file, bytes.isEmpty ? "empty file, not an nnfast model" : "not an nnfast model (only \(bytes.count) bytes)")
        }
        guard Array(bytes[0..<magic.count]) == magic else {
            throw NNFastError(file, "not an nnfast model (no NNFASTW magic)")
        }
        var r = _ByteReader(bytes, file: file)
        r.offset = magic.count
        let version = try r.u16("format version")
        guard version >= 1 else { throw NNFastError(file, "corrupt model: format version 0") }
        guard version <= formatVersion else {
            throw NNFastError(file, "model format version \(version) is newer than this nnfast reads (\(formatVersion)); upgrade nnfast")
        }
        let precision = try r.u16("precision")
        let declaredLength = try r.u64("file length")
        guard declaredLength == UInt64(bytes.count) else {
            throw NNFastError(file, declaredLength > UInt64(bytes.count)
                ? "truncated model: the header says \(declaredLength) bytes, the file has \(bytes.count)"
                : "model has \(UInt64(bytes.count) - declaredLength) unexpected bytes after its \(declaredLength)")
        }
        let stored = UInt32(bytes[bytes.count - 4]) | UInt32(bytes[bytes.count - 3]) << 8
            | UInt32(bytes[bytes.count - 2]) << 16 | UInt32(bytes[bytes.count - 1]) << 24
        let computed = crc32Checksum(bytes[0..<(bytes.count - 4)])
        guard stored == computed else {
            throw NNFastError(file, "corrupt model: CRC-32 mismatch (stored \(hex32(stored)), computed \(hex32(computed)))")
        }
        guard let storage = Precision.allCases.first(where: { $0.code == precision }) else {
            throw NNFastError(file, "unsupported tensor precision \(precision) (this nnfast reads 1 = float32, 2 = float16)")
        }
        let elementBytes = UInt64(storage.byteSize)
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
        let namesLength = Int(try r.u32("class names length"))
        guard namesLength <= maximumTextBytes else { throw NNFastError(file, "corrupt model: class names of \(namesLength) bytes") }
        let namesBytes = try r.raw(namesLength, "class names")
        guard let namesText = String(validating: namesBytes, as: UTF8.self) else {
            throw NNFastError(file, "corrupt model: class names are not UTF-8")
        }
        let classNames = namesText.isEmpty ? [] : namesText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard classNames.isEmpty || classNames.count == classCount else {
            throw NNFastError(file, "corrupt model: \(classNames.count) class names for \(classCount) classes")
        }

        let layerCount = Int(try r.u32("layer count"))
        guard (1...maximumLayers).contains(layerCount) else { throw NNFastError(file, "corrupt model: \(layerCount) layers") }
        let tensorEnd = UInt64(bytes.count - 4)
        var specs: [(inputs: Int, outputs: Int, activation: Activation, weights: Int, bias: Int)] = []
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
            let weightsOffset = try r.u64("layer \(l) weights offset"), biasOffset = try r.u64("layer \(l) bias offset")
            // Sizes in bytes, overflow-checked against the file before anything is allocated.
            let (weightCount, overflow) = inputs.multipliedReportingOverflow(by: outputs)
            guard !overflow, UInt64(weightCount) <= tensorEnd / elementBytes,
                  weightsOffset % UInt64(tensorAlignment) == 0, biasOffset % UInt64(tensorAlignment) == 0,
                  weightsOffset <= tensorEnd, tensorEnd - weightsOffset >= UInt64(weightCount) * elementBytes,
                  biasOffset <= tensorEnd, tensorEnd - biasOffset >= UInt64(outputs) * elementBytes else {
                throw NNFastError(file, "corrupt model: layer \(l)'s tensors (\(inputs)×\(outputs)) do not fit in the file")
            }
            specs.append((inputs, outputs, activation, Int(weightsOffset), Int(biasOffset)))
            expectedInputs = outputs
        }
        guard expectedInputs == classCount else {
            throw NNFastError(file, "corrupt model: the last layer gives \(expectedInputs) outputs for \(classCount) classes")
        }
        let metadataLength = Int(try r.u32("metadata length"))
        guard metadataLength <= maximumTextBytes else { throw NNFastError(file, "corrupt model: metadata of \(metadataLength) bytes") }
        let metadataBytes = try r.raw(metadataLength, "metadata")
        guard let object = try? JSONSerialization.jsonObject(with: Data(metadataBytes)) as? [String: Any] else {
            throw NNFastError(file, "corrupt model: metadata is not a JSON object")
        }
        let headerEnd = r.offset
        for (l, spec) in specs.enumerated() where spec.weights < headerEnd || spec.bias < headerEnd {
            throw NNFastError(file, "corrupt model: layer \(l + 1)'s tensors overlap the header")
        }

        let network = Network(layers: specs.map { ($0.inputs, $0.outputs, $0.activation) }, loss: loss)
        for (layer, spec) in zip(network.layers, specs) {
            layer.weights.setValues(floats(bytes, at: spec.weights, count: spec.inputs * spec.outputs, storage))
            layer.bias.setValues(floats(bytes, at: spec.bias, count: spec.outputs, storage))
        }
        var metadata: [String: String] = [:]
        for (key, value) in object { metadata[key] = "\(value)" }
        var model = ModelFile(inputShape: inputShape, pixelScale: pixelScale, pixelOffset: pixelOffset,
                              classNames: classNames, network: network, metadata: metadata)
        model.precision = storage
        return model
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
