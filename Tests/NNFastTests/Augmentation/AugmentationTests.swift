import Foundation
import Testing
@testable import NNFast

/// One 28×28 MNIST training image and its augmenter's output for (epoch, sample).
private func warped(_ settings: AugmentationSettings, sample: Int = 7, epoch: Int = 1, seed: UInt64 = 42) -> [Float] {
    let augmenter = Augmenter(settings: settings, imageShape: [28, 28], seed: seed)
    let scratch = augmenter.makeScratch()
    var out = [Float](repeating: -1, count: 784)
    smallData.train.pixels.withUnsafeBufferPointer { pixels in
        out.withUnsafeMutableBufferPointer {
            augmenter.augment(pixels.baseAddress! + sample * 784, sample: sample, epoch: epoch, scale: 1.0 / 255.0,
                              scratch: scratch, into: $0.baseAddress!)
        }
    }
    return out
}

private func original(sample: Int = 7) -> [Float] {
    (0..<784).map { Float(smallData.train.pixels[sample * 784 + $0]) * (1.0 / 255.0) }
}

private func zeroed(_ kind: AugmentationSettings.Kind) -> AugmentationSettings {
    var s = AugmentationSettings(kind)
    s.shift = 0; s.rotation = 0; s.scale = 0; s.shear = 0; s.elasticAlpha = 0
    return s
}

@Suite struct AugmentationTests {
    @Test(arguments: [AugmentationSettings.Kind.affine, .elastic])
    func zeroParametersReturnTheImageUnchanged(kind: AugmentationSettings.Kind) {
        #expect(warped(zeroed(kind)) == original())  // bit for bit, as the plain gather scales it
    }

    /// A whole-pixel shift moves the image: output (x, y) = input (x + 3, y − 2), zeros beyond.
    @Test func anIntegerShiftMovesTheImageExactly() {
        let bordered = BorderedImage(width: 28, height: 28)
        var image = [Float](repeating: 0, count: bordered.count)
        var out = [Float](repeating: -1, count: 784)
        smallData.train.pixels.withUnsafeBufferPointer { pixels in
            image.withUnsafeMutableBufferPointer { bordered.fill(from: pixels.baseAddress! + 7 * 784, into: $0.baseAddress!) }
        }
        let map = SamplingMap(a: 1, b: 0, c: 3, d: 0, e: 1, f: -2)
        image.withUnsafeBufferPointer { image in
            out.withUnsafeMutableBufferPointer {
                warpBilinear(image.baseAddress!, bordered: bordered, map: map, dx: nil, dy: nil,
                             layout: FieldLayout(width: 28, height: 28), scale: 1.0 / 255.0, into: $0.baseAddress!)
            }
        }
        let input = original()
        for y in 0..<28 {
            for x in 0..<28 {
                let (sx, sy) = (x + 3, y - 2)
                let expected = sx < 28 && sy >= 0 ? input[sy * 28 + sx] : 0
                #expect(out[y * 28 + x] == expected, "(\(x), \(y))")
            }
        }
    }

    /// The smoothing equals a plain 2-D convolution (zero outside) in Double.
    @Test func smoothingEqualsADirectConvolution() {
        let layout = FieldLayout(width: 28, height: 28)
        let augmenter = Augmenter(settings: AugmentationSettings(.elastic), imageShape: [28, 28], seed: 1)
        let noise = randomFloats(784, seed: 5)
        var field = [Float](repeating: 0, count: layout.count)
        for y in 0..<28 { for x in 0..<28 { field[y * layout.stride + x] = noise[y * 28 + x] } }
        let scratch = augmenter.makeScratch()
        let sigma = 4.0, r = augmenter.radius
        let raw = (-r...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let w = raw.map { $0 / raw.reduce(0, +) }
        let weights = w.map(Float.init)
        field.withUnsafeMutableBufferPointer { f in
            weights.withUnsafeBufferPointer {
                gaussianSmooth(f.baseAddress!, layout: layout, weights: $0.baseAddress!, radius: r, scratch: scratch.smoothing)
            }
        }
        for y in 0..<28 {
            for x in 0..<28 {
                var expected = 0.0
                for j in -r...r where (0..<28).contains(y + j) {
                    for i in -r...r where (0..<28).contains(x + i) { expected += w[j + r] * w[i + r] * Double(noise[(y + j) * 28 + x + i]) }
                }
                #expect(abs(Double(field[y * layout.stride + x]) - expected) <= 1e-6)
            }
            for x in 28..<layout.stride { #expect(field[y * layout.stride + x] == 0) }  // padding stays zero
        }
    }

    @Test(arguments: [AugmentationSettings.Kind.affine, .elastic])
    func pixelsStayInRangeAndDrawsDependOnlyOnSeedEpochAndSample(kind: AugmentationSettings.Kind) {
        let settings = AugmentationSettings(kind)
        let a = warped(settings), b = warped(settings)
        #expect(a == b)
        #expect(a.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(a != original())
        #expect(warped(settings, epoch: 2) != a && warped(settings, seed: 43) != a)
        // The digit stays recognizably there: most of the ink survives.
        #expect(a.reduce(0, +) > 0.6 * original().reduce(0, +))
    }

    /// Labels travel with their images, and the rows are the augmenter's output for each sample.
    @Test func gatherAugmentedKeepsLabelsAndUsesEachSamplesDraw() {
        var options = smallOptions()
        options.layers = [784, 10]
        let network = Network(sizes: options.layers, activation: .relu, outputActivation: .identity, loss: .softmaxCrossEntropy)
        let workspace = NetworkWorkspace(network: network, capacity: 3)
        let settings = AugmentationSettings(.elastic)
        let augmenter = Augmenter(settings: settings, imageShape: [28, 28], seed: 42)
        smallData.train.gatherAugmented([7, 0, 11], into: workspace, firstRow: 0, augmenter: augmenter, epoch: 1,
                                        scratch: augmenter.makeScratch())
        #expect((0..<3).map { workspace.labels[$0] } == [7, 0, 11].map { smallData.train.labels[$0] })
        #expect((0..<784).map { workspace.input[0, $0] } == warped(settings, sample: 7))
        #expect((0..<784).map { workspace.input[1, $0] } == warped(settings, sample: 0))
    }

    @Test func badSettingsAreUsageErrorsNamingTheFlag() {
        var s = AugmentationSettings(.affine)
        s.rotation = 200
        expectError("--rotate: must be in 0.0...90.0, found 200.0") { try s.validate() }
        s = AugmentationSettings(.elastic); s.elasticSigma = 0
        expectError("--elastic-sigma") { try s.validate() }
        s = AugmentationSettings(.affine); s.shift = -1
        expectError("--shift") { try s.validate() }
        var options = smallOptions()
        options.augmentation = AugmentationSettings(.affine)
        let flat = DatasetFolder(train: Dataset(imageShape: [784], pixels: smallData.train.pixels, labels: smallData.train.labels, labelsSource: "x"),
                                 test: smallData.test)
        expectError("--augment: needs 2-D single-channel images") { try options.check(against: flat) }
    }
}
