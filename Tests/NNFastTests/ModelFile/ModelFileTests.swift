import Foundation
import Testing
@testable import NNFast

/// A small model with every field in use: 2×3×1 input, two layers, three classes.
func sampleModel(classNames: [String] = []) -> ModelFile {
    let network = Network(sizes: [6, 5, 3], activation: .tanh, outputActivation: .identity, loss: .softmaxCrossEntropy)
    var generator = SeededGenerator(seed: 21)
    network.initialize(.gaussian, using: &generator)
    return ModelFile(inputShape: [2, 3, 1], classNames: classNames, network: network,
                     metadata: ["seed": "21", "epochs": "3", "nnfast_version": "test"])
}

/// Writes a little-endian u32 into `bytes` and recomputes the trailing CRC, so a test reaches the
/// field check it means to test instead of stopping at the checksum.
func patched(_ bytes: [UInt8], u32 value: UInt32, at offset: Int) -> [UInt8] {
    var copy = bytes
    for i in 0..<4 { copy[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    return resealed(copy)
}

/// Where tensor `name`'s table entry keeps its dimensions and its data offset (format version 2).
func tensorEntry(_ bytes: [UInt8], _ name: String) -> (dimensions: Int, offset: Int) {
    let needle = Array(name.utf8)
    let start = (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle }!
    let rankAt = start + needle.count + 2
    let rank = Int(bytes[rankAt]) | Int(bytes[rankAt + 1]) << 8
    return (rankAt + 2, rankAt + 2 + 4 * rank)
}

func patched(_ bytes: [UInt8], u64 value: UInt64, at offset: Int) -> [UInt8] {
    var copy = bytes
    for i in 0..<8 { copy[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    return resealed(copy)
}

func resealed(_ bytes: [UInt8]) -> [UInt8] {
    var copy = bytes
    let crc = crc32Checksum(copy[0..<(copy.count - 4)])
    for i in 0..<4 { copy[copy.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * i)) }
    return copy
}

@Suite struct ModelFileTests {
    @Test func roundTripKeepsEveryFieldAndTheOutputs() throws {
        let model = sampleModel(classNames: ["cat", "dog", "émeu"])
        let bytes = model.encoded()
        let read = try ModelFile.decode(bytes, file: "m.nnw")
        #expect(read.inputShape == [2, 3, 1] && read.classNames == ["cat", "dog", "émeu"])
        #expect(read.pixelScale == model.pixelScale && read.pixelOffset == 0)
        #expect(read.network.sizes == [6, 5, 3] && read.network.loss == .softmaxCrossEntropy)
        #expect(read.network.layers.map(\.activation) == [.tanh, .identity])
        for (a, b) in zip(read.network.layers, model.network.layers) {
            #expect(a.weights.values == b.weights.values && a.bias.values == b.bias.values)
        }
        #expect(read.metadata["seed"] == "21" && read.metadata["nnfast_version"] == "test")
        // Tensors start on 64-byte boundaries, for direct loading.
        #expect(bytes.count % 4 == 0 && read.encoded() == bytes)
    }

    @Test func truncatedAtEveryOffsetIsAClearError() {
        let bytes = sampleModel().encoded()
        for cut in 0..<bytes.count {
            expectError("m.nnw:") { _ = try ModelFile.decode(Array(bytes[0..<cut]), file: "m.nnw") }
        }
        expectError("empty file") { _ = try ModelFile.decode([], file: "m.nnw") }
        expectError("truncated model") { _ = try ModelFile.decode(Array(bytes.dropLast(9)), file: "m.nnw") }
    }

    @Test func corruptionIsCaughtByTheChecksum() {
        var bytes = sampleModel().encoded()
        bytes[bytes.count - 20] ^= 0x01  // inside the last bias
        expectError("CRC-32 mismatch") { _ = try ModelFile.decode(bytes, file: "m.nnw") }
    }

    @Test func badHeadersAreRefusedWithTheirReason() {
        let bytes = sampleModel().encoded()
        var wrongMagic = bytes
        wrongMagic[0] = UInt8(ascii: "X")
        expectError("not an nnfast model") { _ = try ModelFile.decode(wrongMagic, file: "m.nnw") }
        expectError("format version 3 is newer") {
            var future = bytes
            future[8] = 3
            _ = try ModelFile.decode(resealed(future), file: "m.nnw")
        }
        expectError("reserved header field is 1") {
            var reserved = bytes
            reserved[10] = 1
            _ = try ModelFile.decode(resealed(reserved), file: "m.nnw")
        }
        // Version 2 layout with no class names: layer count at 56, layer 1 at 60, layer 2 at 76.
        expectError("unknown kind 7") { _ = try ModelFile.decode(patched(bytes, u32: 7, at: 60), file: "m.nnw") }
        expectError("layer 2 takes 4 inputs but layer 1 gives 5") {
            _ = try ModelFile.decode(patched(bytes, u32: 4, at: 80), file: "m.nnw")
        }
        expectError("layer 1 takes 7 inputs but the input shape has 6") {
            _ = try ModelFile.decode(patched(bytes, u32: 7, at: 64), file: "m.nnw")
        }
        expectError("unknown activation 9") { _ = try ModelFile.decode(patched(bytes, u32: 9, at: 72), file: "m.nnw") }
        expectError("last layer gives 3 outputs for 4 classes") {
            _ = try ModelFile.decode(patched(bytes, u32: 4, at: 48), file: "m.nnw")
        }
        expectError("tensor layer.1.weight has shape [6, 4], the layer needs [6, 5]") {
            _ = try ModelFile.decode(patched(bytes, u32: 4, at: tensorEntry(bytes, "layer.1.weight").dimensions + 4), file: "m.nnw")
        }
    }

    @Test func badTensorTablesAreRefusedBeforeAnythingIsAllocated() {
        let bytes = sampleModel().encoded()
        let weights = tensorEntry(bytes, "layer.1.weight"), bias = tensorEntry(bytes, "layer.2.bias")
        expectError("layer 1's tensors (6×5) do not fit in the file") {
            _ = try ModelFile.decode(patched(bytes, u64: 0xFFFF_FFC0, at: weights.offset), file: "m.nnw")
        }
        expectError("layer 1's tensors (6×5) do not fit in the file") {  // not 64-byte aligned
            _ = try ModelFile.decode(patched(bytes, u64: 100, at: weights.offset), file: "m.nnw")
        }
        expectError("layer 1's tensors (6×5) overlap the header") {
            _ = try ModelFile.decode(patched(bytes, u64: 64, at: weights.offset), file: "m.nnw")
        }
        expectError("shape [4294967295, 4294967295] is empty or too large") {  // the size would overflow 32 bits
            let huge = patched(bytes, u32: 0xFFFF_FFFF, at: weights.dimensions)
            _ = try ModelFile.decode(patched(huge, u32: 0xFFFF_FFFF, at: weights.dimensions + 4), file: "m.nnw")
        }
        expectError("layer 1's tensors (4194304×5) do not fit in the file") {
            _ = try ModelFile.decode(patched(bytes, u32: 1 << 22, at: weights.dimensions), file: "m.nnw")
        }
        let firstOffset = Int(bytes[weights.offset]) | Int(bytes[weights.offset + 1]) << 8
        expectError("tensors layer.1.weight and layer.2.bias overlap") {
            _ = try ModelFile.decode(patched(bytes, u64: UInt64(firstOffset + 64), at: bias.offset), file: "m.nnw")
        }
        expectError("tensor layer.2.bias has unknown type 9") {
            _ = try ModelFile.decode(patched(bytes, u32: 0x0001_0009, at: bias.dimensions - 4), file: "m.nnw")
        }
        expectError("two tensors named layer.1.bias") {
            var twice = bytes
            let at = tensorEntry(bytes, "layer.2.bias").dimensions - 4 - "layer.2.bias".utf8.count
            twice[at + 6] = UInt8(ascii: "1")
            _ = try ModelFile.decode(resealed(twice), file: "m.nnw")
        }
        expectError("no tensor layer.2.bias") {
            var renamed = bytes
            let at = tensorEntry(bytes, "layer.2.bias").dimensions - 4 - "layer.2.bias".utf8.count
            renamed[at] = UInt8(ascii: "x")  // "xayer.2.bias": a tensor this nnfast does not know
            _ = try ModelFile.decode(resealed(renamed), file: "m.nnw")
        }
    }

    /// Training state travels as named float32 tensors; unknown names are kept, not refused.
    @Test func extraTensorsRoundTrip() throws {
        var model = sampleModel()
        model.precision = .float16
        model.extraTensors = [
            NamedTensor(name: "optimizer.velocity.layer.1.weight", matrix: Matrix(rows: 6, cols: 5, values: randomFloats(30, seed: 9))),
            NamedTensor(name: "optimizer.velocity.layer.1.bias", matrix: Matrix(rows: 1, cols: 5, values: randomFloats(5, seed: 10))),
        ]
        let read = try ModelFile.decode(model.encoded(), file: "m.nnw")
        #expect(read.precision == .float16)
        #expect(read.extraTensors.map(\.name) == model.extraTensors.map(\.name))
        for (a, b) in zip(read.extraTensors, model.extraTensors) {
            #expect(a.matrix.rows == b.matrix.rows && a.matrix.values == b.matrix.values)  // float32, exact
        }
    }

    /// Files written by nnfast 0.3 (format version 1) still load, and say the same in version 2.
    @Test func aVersion1FileLoadsAndConvertsWithoutChange() throws {
        let path = packageRoot.appendingPathComponent("Fixtures/models/mnist-784-100-200-10.nnw").path
        let bytes = try FileBytes.read(path)
        #expect(bytes[8] == 1 && bytes[9] == 0)
        let v1 = try ModelFile.decode(bytes, file: path)
        let v2 = try ModelFile.decode(v1.encoded(), file: "v2.nnw")
        #expect(v2.network.sizes == [784, 100, 200, 10] && v2.metadata == v1.metadata && v2.inputShape == v1.inputShape)
        for (a, b) in zip(v1.network.layers, v2.network.layers) {
            #expect(a.weights.values == b.weights.values && a.bias.values == b.bias.values)
        }
        expectError("layer 1's tensors (784×100) do not fit in the file") {
            // Version 1 keeps the offsets in the layer records: layer 1's weights offset at 72.
            _ = try ModelFile.decode(patched(bytes, u64: 1 << 40, at: 72), file: "m.nnw")
        }
    }

    @Test func saveIsAtomicAndLeavesNoTemporaryFiles() throws {
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("model.nnw").path
        try sampleModel().save(to: path)
        try sampleModel(classNames: ["a", "b", "c"]).save(to: path)  // replaces the first
        #expect(try ModelFile.load(path).classNames == ["a", "b", "c"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.nnw"])
        expectError("cannot write in /nonexistent/folder") { try sampleModel().save(to: "/nonexistent/folder/m.nnw") }
    }
}

@Suite struct ModelInputShapeTests {
    /// `predict` refuses a model whose input is not a grayscale image (it checks `imageSize`).
    @Test func onlyTwoDimensionalOrSingleChannelInputsAreImages() {
        let network = Network(sizes: [12, 3], activation: .relu, outputActivation: .identity, loss: .softmaxCrossEntropy)
        #expect(ModelFile(inputShape: [3, 4], network: network).imageSize! == (width: 4, height: 3))
        #expect(ModelFile(inputShape: [3, 4, 1], network: network).imageSize! == (width: 4, height: 3))
        #expect(ModelFile(inputShape: [12], network: network).imageSize == nil)
        #expect(ModelFile(inputShape: [2, 2, 3], network: network).imageSize == nil)
    }
}

@Suite struct HalfPrecisionTests {
    @Test func float16FilesHoldHalfRoundedValuesInHalfTheSpace() throws {
        var model = sampleModel()
        let full = model.encoded()
        model.precision = .float16
        let half = model.encoded()
        let read = try ModelFile.decode(half, file: "h.nnw")
        #expect(read.precision == .float16)
        for (a, b) in zip(read.network.layers, model.network.layers) {
            #expect(a.weights.values == b.weights.values.map { Float(Float16($0)) })
            #expect(a.bias.values == b.bias.values.map { Float(Float16($0)) })
        }
        #expect(half.count < full.count)
        let mnist = try ModelFile.load(packageRoot.appendingPathComponent("Fixtures/models/mnist-784-100-200-10.nnw").path)
        var halfMNIST = mnist
        halfMNIST.precision = .float16
        #expect(Double(halfMNIST.encoded().count) < 0.51 * Double(mnist.encoded().count))
    }
}
