import Foundation

extension ModelFile {
    /// The `.nnw` bytes of this model (format version 2): header, layer records, metadata, the
    /// tensor table, the tensors (64-byte aligned), CRC-32. Layer tensors are in `precision`,
    /// extra tensors in float32.
    public func encoded() -> [UInt8] {
        var w = _ByteWriter()
        w.raw(ModelFile.magic)
        w.u16(ModelFile.formatVersion)
        w.u16(0)  // reserved
        let lengthOffset = w.bytes.count
        w.u64(0)  // file length, patched below
        w.u32(network.loss.code)
        w.f32(pixelScale)
        w.f32(pixelOffset)
        w.u32(UInt32(inputShape.count))
        for dimension in inputShape { w.u32(UInt32(dimension)) }
        w.u32(UInt32(classCount))
        let names = Array(classNames.joined(separator: "\n").utf8)
        w.u32(UInt32(names.count))
        w.raw(names)
        w.u32(UInt32(network.layers.count))
        for layer in network.layers {
            w.u32(1)  // dense
            w.u32(UInt32(layer.inputSize))
            w.u32(UInt32(layer.outputSize))
            w.u32(layer.activation.code)
        }
        let json = (try? JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])) ?? Data("{}".utf8)
        w.u32(UInt32(json.count))
        w.raw([UInt8](json))

        let tensors = tableEntries
        w.u32(UInt32(tensors.count))
        var offsetSlots: [Int] = []
        for tensor in tensors {
            let name = Array(tensor.name.utf8)
            w.u16(UInt16(name.count))
            w.raw(name)
            w.u16(tensor.precision.code)
            w.u16(UInt16(tensor.shape.count))
            for dimension in tensor.shape { w.u32(UInt32(dimension)) }
            offsetSlots.append(w.bytes.count)
            w.u64(0)  // data offset, patched below
        }
        for (tensor, slot) in zip(tensors, offsetSlots) {
            w.pad(to: ModelFile.tensorAlignment)
            w.patchU64(at: slot, UInt64(w.bytes.count))
            w.tensor(tensor.matrix.values, tensor.precision)
        }
        w.patchU64(at: lengthOffset, UInt64(w.bytes.count + 4))
        w.u32(crc32Checksum(w.bytes))
        return w.bytes
    }

    /// Every tensor the file stores, in file order: each layer's weights [I, O] and bias [O],
    /// then the extra tensors ([rows, cols], or [cols] for one row).
    private var tableEntries: [(name: String, shape: [Int], precision: Precision, matrix: Matrix)] {
        var entries: [(name: String, shape: [Int], precision: Precision, matrix: Matrix)] = []
        for (index, layer) in network.layers.enumerated() {
            entries.append((ModelFile.weightName(layer: index), [layer.inputSize, layer.outputSize], precision, layer.weights))
            entries.append((ModelFile.biasName(layer: index), [layer.outputSize], precision, layer.bias))
        }
        for tensor in extraTensors {
            let m = tensor.matrix
            entries.append((tensor.name, m.rows == 1 ? [m.cols] : [m.rows, m.cols], .float32, m))
        }
        return entries
    }

    /// Saves atomically: a temporary file in the same folder, flushed, then renamed over `path`.
    /// A crash or a full disk mid-save never leaves a truncated model where a good one was.
    /// A model with a NaN or infinite value (or one float16 cannot hold) is refused: a broken
    /// model is never written, and the file at `path` stays as it was.
    public func save(to path: String) throws(NNFastError) {
        for tensor in tableEntries {
            let largest: Float = tensor.precision == .float16 ? 65504 : .greatestFiniteMagnitude
            guard tensor.matrix.values.allSatisfy({ abs($0) <= largest }) else {
                let what = largest.isFinite && tensor.matrix.values.allSatisfy(\.isFinite) ? "values beyond float16's range" : "NaN or infinite values"
                throw NNFastError(path, "refusing to save a broken model: tensor \(tensor.name) holds \(what)")
            }
        }
        try FileBytes.writeAtomically(encoded(), to: path)
    }
}

/// An enum stored in the .nnw format as a number (Docs/nnw-format.md lists them).
protocol _ModelFileCoded: CaseIterable {
    var code: UInt32 { get }
}

extension _ModelFileCoded {
    /// The case stored as `code`, or nil for a number this version does not know.
    init?(code: UInt32) {
        guard let match = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = match
    }
}

extension Loss: _ModelFileCoded {
    /// The loss's number in the .nnw format.
    var code: UInt32 {
        switch self {
        case .softmaxCrossEntropy: 1
        case .meanSquaredError: 2
        case .sigmoidCrossEntropy: 3
        }
    }
}

extension Activation: _ModelFileCoded {
    /// The activation's number in the .nnw format.
    var code: UInt32 {
        switch self {
        case .identity: 0
        case .relu: 1
        case .sigmoid: 2
        case .tanh: 3
        }
    }
}
