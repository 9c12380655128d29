import Foundation

/// The engine's one source of randomness: xoshiro256** (Blackman & Vigna), seeded through
/// SplitMix64, with Box–Muller normals. Every draw is defined here bit for bit (no stdlib
/// algorithm whose details may change between Swift versions), so a `--seed` reproduces a run
/// on any machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64
    private var spareNormal: Double?

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// A generator for one cell of a random stream: `seed` mixed with `stream` (which kind of
    /// draw) and the cell's coordinates (e.g. epoch and sample) by SplitMix64's finalizer, so
    /// each cell's draws do not depend on the order or the thread in which cells are visited.
    /// Fixed arity, no array: these are made per sample and per row inside the training step.
    init(seed: UInt64, stream: UInt64, _ first: Int, _ second: Int) {
        self.init(seed: Self.mix(Self.mix(seed ^ stream, first), second))
    }

    init(seed: UInt64, stream: UInt64, _ first: Int, _ second: Int, _ third: Int) {
        self.init(seed: Self.mix(Self.mix(Self.mix(seed ^ stream, first), second), third))
    }

    private static func mix(_ state: UInt64, _ value: Int) -> UInt64 {
        var h = (state ^ UInt64(truncatingIfNeeded: value)) &+ 0x9E37_79B9_7F4A_7C15
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform integer in `0..<bound` without modulo bias (Lemire's multiply-and-reject).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        let range = UInt64(bound)
        let threshold = (0 &- range) % range
        while true {
            let product = next().multipliedFullWidth(by: range)
            if product.low >= threshold { return Int(product.high) }
        }
    }

    /// Standard normal N(0, 1) by Box–Muller; the second value of each pair is kept for the next call.
    public mutating func nextGaussian() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let u1 = 1 - nextUniform()  // in (0, 1]: log stays finite
        let u2 = nextUniform()
        let radius = (-2 * log(u1)).squareRoot()
        spareNormal = radius * sin(2 * .pi * u2)
        return radius * cos(2 * .pi * u2)
    }

    /// Fisher–Yates shuffle of `values` in place.
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, nextInt(below: i + 1))
        }
    }
}
