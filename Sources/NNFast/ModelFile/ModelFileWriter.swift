import Foundation

extension ModelFile {
    /// The `.nnw` bytes of this model (format version 1, tensors in `precision`).
    public func encoded() -> [UInt8] {
        var w = _ByteWriter()
        w.raw(ModelFile.magic)
        w.u16(ModelFile.formatVersion)
        w.u16(precision.code)
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
        var offsetSlots: [Int] = []
        for layer in network.layers {
            w.u32(1)  // dense
            w.u32(UInt32(layer.inputSize))
            w.u32(UInt32(layer.outputSize))
            w.u32(layer.activation.code)
            offsetSlots.append(w.bytes.count)
            w.u64(0)  // weights offset, patched below
            w.u64(0)  // bias offset, patched below
        }
        let json = (try? JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])) ?? Data("{}".utf8)
        w.u32(UInt32(json.count))
        w.raw([UInt8](json))
        for (layer, slot) in zip(network.layers, offsetSlots) {
            w.pad(to: ModelFile.tensorAlignment)
            w.patchU64(at: slot, UInt64(w.bytes.count))
            w.tensor(layer.weights.values, precision)
            w.pad(to: ModelFile.tensorAlignment)
            w.patchU64(at: slot + 8, UInt64(w.bytes.count))
            w.tensor(layer.bias.values, precision)
        }
        w.patchU64(at: lengthOffset, UInt64(w.bytes.count + 4))
        w.u32(crc32Checksum(w.bytes))
        return w.bytes
    }

    /// Saves atomically: a temporary file in the same folder, flushed, then renamed over `path`.
    /// A crash or a full disk mid-save never leaves a truncated model where a good one was.
    public func save(to path: String) throws(NNFastError) {
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
