import Foundation

/// Draws and applies each training sample's distortion. The randomness of sample `i` in epoch
/// `e` comes from its own generator seeded by (run seed, e, i): which thread warps it, and in
/// which order, cannot change it, and a resumed run redraws the same distortions.
final class Augmenter: @unchecked Sendable {  // immutable after init; each thread has its own scratch
    let settings: AugmentationSettings
    let seed: UInt64
    let width: Int, height: Int
    let layout: FieldLayout
    /// The Gaussian's taps, 2·radius + 1 of them, summing to 1.
    private let weights: [Float]
    let radius: Int

    /// For `imageShape` [height, width] (or [height, width, 1]).
    init(settings: AugmentationSettings, imageShape: [Int], seed: UInt64) {
        precondition(Augmenter.supports(imageShape), "augmentation needs 2-D single-channel images")
        self.settings = settings
        self.seed = seed
        height = imageShape[0]
        width = imageShape[1]
        layout = FieldLayout(width: width, height: height)
        // Truncated at 3σ (or the image size): the taps beyond carry < 0.3% of the mass.
        let sigma = Double(settings.elasticSigma)
        radius = min(Int((3 * sigma).rounded(.up)), max(width, height))
        let raw = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = raw.reduce(0, +)
        weights = raw.map { Float($0 / total) }
    }

    static func supports(_ imageShape: [Int]) -> Bool {
        imageShape.count == 2 || (imageShape.count == 3 && imageShape[2] == 1)
    }

    /// Per-thread buffers: two displacement fields and the smoothing scratch.
    func makeScratch() -> AugmentationScratch {
        AugmentationScratch(fieldCount: layout.count, scratchCount: 2 * layout.count + layout.stride + 2 * radius + 16,
                            imageCount: bordered.count)
    }

    var bordered: BorderedImage { BorderedImage(width: width, height: height) }

    /// The generator of `sample` in `epoch`.
    func generator(epoch: Int, sample: Int) -> SeededGenerator {
        SeededGenerator(seed: seed, stream: 0x6A09_E667_F3BC_C908, epoch, sample)
    }

    /// The affine part of sample's map, drawn from `random`.
    func drawMap(_ random: inout SeededGenerator) -> SamplingMap {
        func uniform(_ limit: Float) -> Double { (2 * random.nextUniform() - 1) * Double(limit) }
        let theta = uniform(settings.rotation) * .pi / 180
        let shear = uniform(settings.shear)
        let sx = 1 + uniform(settings.scale), sy = 1 + uniform(settings.scale)
        let tx = uniform(settings.shift), ty = uniform(settings.shift)
        // B = R(θ)·H(h)·S: rotation · [[1, h], [0, 1]] · diag(sx, sy).
        let cosT = cos(theta), sinT = sin(theta)
        let b00 = cosT * sx, b01 = (cosT * shear - sinT) * sy
        let b10 = sinT * sx, b11 = (sinT * shear + cosT) * sy
        let cx = Double(width - 1) / 2, cy = Double(height - 1) / 2
        return SamplingMap(a: Float(b00), b: Float(b01), c: Float(cx + tx - b00 * cx - b01 * cy),
                           d: Float(b10), e: Float(b11), f: Float(cy + ty - b10 * cx - b11 * cy))
    }

    /// `field` ← α·smooth(uniform noise in [−1, 1]), drawn as noise in [−α, α] (smoothing is
    /// linear). Two 24-bit uniforms per 64-bit draw, to halve the generator's share.
    private func fillSmoothedNoise(_ field: UnsafeMutablePointer<Float>, _ random: inout SeededGenerator,
                                   scratch: AugmentationScratch) {
        let alpha = settings.elasticAlpha
        for y in 0..<height {
            let row = field + y * layout.stride
            var x = 0
            while x < width {
                let bits = random.next()
                row[x] = (Float(bits >> 40) * 0x1p-23 - 1) * alpha
                if x + 1 < width { row[x + 1] = (Float((bits >> 8) & 0xFF_FFFF) * 0x1p-23 - 1) * alpha }
                x += 2
            }
        }
        weights.withUnsafeBufferPointer {
            gaussianSmooth(field, layout: layout, weights: $0.baseAddress!, radius: radius, scratch: scratch.smoothing)
        }
    }

    /// Writes sample `sample`'s distorted image (u8 pixels at `source`) to `out` as pixel × `scale`.
    func augment(_ source: UnsafePointer<UInt8>, sample: Int, epoch: Int, scale: Float,
                 scratch: AugmentationScratch, into out: UnsafeMutablePointer<Float>) {
        var random = generator(epoch: epoch, sample: sample)
        let map = drawMap(&random)
        bordered.fill(from: source, into: scratch.image)
        guard settings.kind == .elastic else {
            warpBilinear(scratch.image, bordered: bordered, map: map, dx: nil, dy: nil, layout: layout, scale: scale, into: out)
            return
        }
        fillSmoothedNoise(scratch.dx, &random, scratch: scratch)
        fillSmoothedNoise(scratch.dy, &random, scratch: scratch)
        warpBilinear(scratch.image, bordered: bordered, map: map, dx: scratch.dx, dy: scratch.dy, layout: layout,
                     scale: scale, into: out)
    }
}

/// One thread's augmentation buffers, allocated once per run.
final class AugmentationScratch {
    let dx: UnsafeMutablePointer<Float>
    let dy: UnsafeMutablePointer<Float>
    let smoothing: UnsafeMutablePointer<Float>
    /// The image being warped, as floats with a zero border (`BorderedImage`).
    let image: UnsafeMutablePointer<Float>

    init(fieldCount: Int, scratchCount: Int, imageCount: Int) {
        image = .allocate(capacity: imageCount)
        image.initialize(repeating: 0, count: imageCount)
        dx = .allocate(capacity: fieldCount)
        dy = .allocate(capacity: fieldCount)
        smoothing = .allocate(capacity: scratchCount)
        dx.initialize(repeating: 0, count: fieldCount)
        dy.initialize(repeating: 0, count: fieldCount)
        smoothing.initialize(repeating: 0, count: scratchCount)
    }

    deinit {
        dx.deallocate()
        dy.deallocate()
        smoothing.deallocate()
        image.deallocate()
    }
}

extension Dataset {
    /// Like `gather`, but each image distorted by `augmenter` for `epoch` (sample = its index
    /// in the dataset), scaled by 1/255.
    func gatherAugmented<C: Collection<Int>>(_ indices: C, into workspace: NetworkWorkspace, firstRow: Int,
                                             augmenter: Augmenter, epoch: Int, scratch: AugmentationScratch) {
        let input = workspace.input
        precondition(input.cols == pixelsPerImage && firstRow + indices.count <= workspace.capacity)
        pixels.withUnsafeBufferPointer { source in
            var row = firstRow
            for index in indices {
                augmenter.augment(source.baseAddress! + index * pixelsPerImage, sample: index, epoch: epoch,
                                  scale: 1.0 / 255.0, scratch: scratch, into: input.row(row))
                workspace.labels[row] = labels[index]
                row += 1
            }
        }
    }
}
