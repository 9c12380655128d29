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
        expectError("format version 2 is newer") {
            var future = bytes
            future[8] = 2
            _ = try ModelFile.decode(resealed(future), file: "m.nnw")
        }
        // Layout with no class names: layer count at 56, layer 1 at 60, layer 2 at 92.
        expectError("unknown kind 7") { _ = try ModelFile.decode(patched(bytes, u32: 7, at: 60), file: "m.nnw") }
        expectError("layer 2 takes 4 inputs but layer 1 gives 5") {
            _ = try ModelFile.decode(patched(bytes, u32: 4, at: 96), file: "m.nnw")
        }
        expectError("layer 1 takes 7 inputs but the input shape has 6") {
            _ = try ModelFile.decode(patched(bytes, u32: 7, at: 64), file: "m.nnw")
        }
        expectError("do not fit in the file") {
            _ = try ModelFile.decode(patched(bytes, u32: 0xFFFF_FFC0, at: 76), file: "m.nnw")
        }
        expectError("do not fit in the file") {  // 6 × 2³² − 1 weights: the size overflows nothing, exceeds the file
            var huge = patched(bytes, u32: 0xFFFF_FFFF, at: 68)
            huge = patched(huge, u32: 0xFFFF_FFFF, at: 96)
            _ = try ModelFile.decode(huge, file: "m.nnw")
        }
        expectError("unknown activation 9") { _ = try ModelFile.decode(patched(bytes, u32: 9, at: 72), file: "m.nnw") }
        expectError("last layer gives 3 outputs for 4 classes") {
            _ = try ModelFile.decode(patched(bytes, u32: 4, at: 48), file: "m.nnw")
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
        expectError("cannot create a temporary file") { try sampleModel().save(to: "/nonexistent/folder/m.nnw") }
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
