// Phases 4 and 5 of reading a `.nnw` file (see ModelFileReader.swift for 1-3): the tensor
// table, every tensor's extent checked against the file, then the tensors themselves.

extension ModelFile {
    // MARK: Phase 4: the tensor table

    struct TensorEntry {
        let name: String
        let shape: [Int]
        let precision: Precision
        let offset: UInt64
        /// Elements and bytes, overflow-checked when the entry was read.
        let count: Int
        var byteCount: UInt64 { UInt64(count) * UInt64(precision.byteSize) }
    }

    static func readTensorTable(_ r: inout _ByteReader) throws(NNFastError) -> [TensorEntry] {
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
    static func version1Table(_ layers: [LayerRecord], precision: Precision, file: String) throws(NNFastError) -> [TensorEntry] {
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
    static func checkExtents(_ table: [TensorEntry], dataStart: Int, dataEnd: Int, file: String) throws(NNFastError) {
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

    static func assemble(_ d: Description, metadata: [String: String], table: [TensorEntry],
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
