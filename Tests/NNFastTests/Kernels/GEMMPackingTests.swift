import Testing
@testable import NNFast

@Suite struct GEMMPackingTests {
    /// A panels against their definition, `panel[p·mr + r] = op(A)[row0 + r, p0 + p]` and zero
    /// for r ≥ height: depths around the 6×8 interleave's 8 steps, every height up to MR (6 is
    /// the interleaved path, the rest the scalar one), both layouts of A. The source ends at an
    /// inaccessible page exactly after the last element the panel needs, and the panel is framed
    /// by canaries.
    @Test(arguments: [1, 7, 8, 9, 17, 31, 33, 100, 512])
    func aPanelsMatchTheDefinition(kc: Int) {
        let mr = GEMMBuildTile.mr
        let (row0, p0) = (2, 3)
        for transA in [false, true] {
            for height in 1...mr {
                // op(A) is at least (row0 + height) × (p0 + kc); its leading dimension is padded.
                let lda = transA ? row0 + height + 5 : p0 + kc + 5
                let count = transA ? (p0 + kc - 1) * lda + row0 + height : (row0 + height - 1) * lda + p0 + kc
                let values = randomFloats(count, seed: UInt64(100 * kc + height))
                let source = GuardedBuffer(values)
                let canary: Float = -777.25
                var framed = [Float](repeating: canary, count: 16 + kc * mr + 16)
                framed.withUnsafeMutableBufferPointer { buffer in
                    for i in 16..<(16 + kc * mr) { buffer[i] = .nan }  // padding must become zero
                    packPanelA(transA: transA, kc: kc, row0: row0, height: height, mr: mr, p0: p0,
                               a: source.pointer, lda: lda, into: buffer.baseAddress! + 16)
                }
                #expect(framed.prefix(16).allSatisfy { $0 == canary } && framed.suffix(16).allSatisfy { $0 == canary },
                        "kc=\(kc) height=\(height) transA=\(transA): wrote outside the panel")
                var mismatches = 0
                for p in 0..<kc {
                    for r in 0..<mr {
                        let index = transA ? (p0 + p) * lda + row0 + r : (row0 + r) * lda + p0 + p
                        let expected: Float = r < height ? values[index] : 0
                        if framed[16 + p * mr + r].bitPattern != expected.bitPattern { mismatches += 1 }
                    }
                }
                #expect(mismatches == 0, "kc=\(kc) height=\(height) transA=\(transA): \(mismatches) elements differ")
            }
        }
    }

    /// Packing row-major B a row at a time across panels gives each panel the bytes the
    /// panel-at-a-time packing gives it: whole and ragged last panels, a range of panels that
    /// starts past the first (a second worker's), each selectable tile's width.
    @Test(arguments: [1, 7, 100])
    func rowwisePackingOfBMatchesPanelPacking(k: Int) {
        for nr in Set(gemmSelectableTiles.map { $0.nr }).sorted() {
            for n in [1, nr - 1, nr, nr + 1, 3 * nr + 5, 4 * nr] {
                let ldb = n + 3
                let values = randomFloats((k - 1) * ldb + n, seed: UInt64(10 * k + n))
                let source = GuardedBuffer(values)
                let panelCount = (n + nr - 1) / nr
                for panels in Set([0..<panelCount, min(1, panelCount - 1)..<panelCount]) {
                    var rowwise = [Float](repeating: .nan, count: panelCount * k * nr)
                    var byPanel = [Float](repeating: .nan, count: panelCount * k * nr)
                    rowwise.withUnsafeMutableBufferPointer { buffer in
                        let start = buffer.baseAddress!
                        packRowsB(k: k, n: n, nr: nr, panels: panels, b: source.pointer, ldb: ldb,
                                  panelStart: { start + $0 * k * nr })
                    }
                    byPanel.withUnsafeMutableBufferPointer { buffer in
                        for panel in panels {
                            packPanelB(transB: false, k: k, col0: panel * nr, width: min(nr, n - panel * nr), nr: nr,
                                       b: source.pointer, ldb: ldb, into: buffer.baseAddress! + panel * k * nr)
                        }
                    }
                    #expect(rowwise.map(\.bitPattern) == byPanel.map(\.bitPattern),
                            "k=\(k) n=\(n) nr=\(nr) panels=\(panels)")
                }
            }
        }
    }
}
