// Inverted dropout: each unit kept with probability 1 − p and scaled by 1/(1 − p), so the
// expected activation is unchanged and evaluation needs no rescaling.

/// out[0..<count] ← 1/(1 − p) with probability 1 − p, else 0, from 16-bit slices of `random`'s
/// draws: a unit is dropped when its slice is below `threshold` = round(p · 65536).
func fillDropoutMultipliers(_ out: UnsafeMutablePointer<Float>, count: Int, threshold: UInt32, keepScale: Float,
                            random: inout SeededGenerator) {
    var i = 0
    while i < count {
        var bits = random.next()
        for _ in 0..<min(4, count - i) {
            out[i] = UInt32(bits & 0xFFFF) < threshold ? 0 : keepScale
            bits >>= 16
            i += 1
        }
    }
}

/// x[0..<count] ← x ⊙ m.
func multiplyElementwise(_ x: UnsafeMutablePointer<Float>, by m: UnsafePointer<Float>, count: Int) {
    var chunks = _Chunks(x, m, count: count)
    while chunks.hasMore { let (x, m) = chunks.load(); chunks.storeAndAdvance(x * m) }
}

/// y[0..<count] ← x ⊙ m.
func multiplyElementwise(_ x: UnsafePointer<Float>, by m: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    y.update(from: x, count: count)
    multiplyElementwise(y, by: m, count: count)
}
