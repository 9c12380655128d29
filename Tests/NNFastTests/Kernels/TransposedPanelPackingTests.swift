import Testing
@testable import NNFast

@Suite struct TransposedPanelPackingTests {
    /// The blocked transpose against the panel's definition, `panel[p·nr + j] = b[j·ldb + p]`
    /// and zero for j ≥ width, on depths around the 8-step blocks, whole and ragged panels, and
    /// each selectable tile's width. The source ends at an inaccessible page and the panel is
    /// framed by canaries, so a read or write past either shows.
    @Test(arguments: [1, 7, 8, 9, 17, 31, 33, 100, 784])
    func blockedTransposeMatchesTheDefinition(k: Int) {
        for nr in Set(gemmSelectableTiles.map { $0.nr }).sorted() {
            for width in Set([1, 7, 8, 9, nr - 1, nr]).sorted() {  // nr is 16 or 32
                let ldb = k + 3  // rows not 8-aligned, as a transposed B inside a larger matrix
                let values = randomFloats(width * ldb, seed: UInt64(1000 * k + width))
                let source = GuardedBuffer(values)
                let canary: Float = -777.25
                var framed = [Float](repeating: canary, count: 16 + k * nr + 16)
                framed.withUnsafeMutableBufferPointer { buffer in
                    // Garbage where padding must become zero.
                    for i in 16..<(16 + k * nr) { buffer[i] = .nan }
                    packTransposedPanel(k: k, width: width, nr: nr, rows: source.pointer, ldb: ldb,
                                        into: buffer.baseAddress! + 16)
                }
                #expect(framed.prefix(16).allSatisfy { $0 == canary } && framed.suffix(16).allSatisfy { $0 == canary },
                        "k=\(k) nr=\(nr) width=\(width): wrote outside the panel")
                var mismatches = 0
                for p in 0..<k {
                    for j in 0..<nr {
                        let expected: Float = j < width ? values[j * ldb + p] : 0
                        if framed[16 + p * nr + j].bitPattern != expected.bitPattern { mismatches += 1 }
                    }
                }
                #expect(mismatches == 0, "k=\(k) nr=\(nr) width=\(width): \(mismatches) elements differ")
            }
        }
    }
}
