import Testing
@testable import NNFast

/// Awkward shapes: unit, primes around the 6×16 and 6×32 tiles, the MLP's layer shapes, long skinny ones.
let gemmShapes: [(m: Int, n: Int, k: Int)] = [
    (1, 1, 1), (7, 13, 5), (17, 33, 7), (33, 17, 65), (1, 784, 17), (31, 10, 200),
    (32, 100, 784), (100, 784, 32), (784, 100, 32), (32, 784, 100), (1000, 1, 1000), (5, 16, 1),
]

/// Runs the engine GEMM and the reference on the same operands (with row strides padded past
/// the logical widths) and checks every element of C against the error bound
/// |Δ| ≤ (k + 2)·ε·(|α|·Σ|a||b| + |β|·|c|): the classic bound for a k-term float sum.
func checkGEMM(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float,
               threads: Int = 1, pad: Int = 3, tile: any GEMMTile.Type = GEMMBuildTile.self) {
    let aRows = transA ? k : m, aCols = transA ? m : k
    let bRows = transB ? n : k, bCols = transB ? k : n
    let lda = aCols + pad, ldb = bCols + pad, ldc = n + pad
    let a = randomFloats(aRows * lda, seed: UInt64(m * 31 + k))
    let b = randomFloats(bRows * ldb, seed: UInt64(n * 17 + k))
    let c0 = randomFloats(m * ldc, seed: 99)
    var expected = c0
    referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                  a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &expected, ldc: ldc)
    var actual = c0
    let scratch = GEMMScratch()
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            actual.withUnsafeMutableBufferPointer { c in
                gemm(tile: tile, transA: transA, transB: transB, m: m, n: n, k: k,
                     a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, c: c.baseAddress!, ldc: ldc,
                     epilogue: GEMMEpilogue(alpha: alpha, beta: beta), scratch: scratch, threads: threads)
            }
        }
    }
    var worst = 0.0
    for i in 0..<m {
        for j in 0..<n {
            var sumAbs = 0.0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                sumAbs += abs(Double(av) * Double(bv))
            }
            let bound = Double(k + 2) * 1.2e-7 * (Double(abs(alpha)) * sumAbs + Double(abs(beta * c0[i * ldc + j]))) + 1e-30
            worst = max(worst, abs(Double(actual[i * ldc + j] - expected[i * ldc + j])) / bound)
        }
        // The padding past column n belongs to nobody: it must come back untouched.
        for j in n..<ldc { #expect(actual[i * ldc + j] == c0[i * ldc + j], "padding written at (\(i), \(j))") }
    }
    #expect(worst <= 1, "\(tile) m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB) α=\(alpha) β=\(beta): error \(worst)× the bound")
}

@Suite struct GEMMTests {
    /// Every tile a build can select, whichever this build uses: the AVX-512 tile compiled for
    /// AVX2 (or the reverse) is slow but must compute the same thing.
    @Test(arguments: gemmSelectableTiles.map(TileCase.init))
    func everyTransposePairMatchesReference(tile: TileCase) {
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            for shape in gemmShapes {
                checkGEMM(m: shape.m, n: shape.n, k: shape.k, transA: transA, transB: transB, alpha: 1, beta: 0,
                          tile: tile.type)
            }
        }
    }

    /// Each tile sums every element in the same order (one FMA per K step), so all tiles — and
    /// so all ISAs — give the same bits, on the unpacked and the packed path. With α and β (the
    /// update's epilogue) too: full tiles store it without the general epilogue, and at n = 48
    /// columns 32-47 are a full tile for 6×16 but a ragged one for 6×32.
    @Test func everyTileGivesTheSameBits() {
        let epilogues = [GEMMEpilogue.plain, GEMMEpilogue(alpha: -0.05, beta: 0.999)]
        // B transposed, and one shape with A transposed: the row walk, which packs A's row panels
        // for the 6×16 tile and reads them in place for the 6×32 one.
        let cases = [(33, 17, 65, false), (32, 100, 784, false), (784, 100, 32, false), (13, 48, 32, false),
                     (261, 259, 777, false), (461, 101, 301, true)]
        for (m, n, k, transA) in cases {
            let transB = !transA
            for epilogue in epilogues {
                let a = randomFloats(m * k, seed: 21), b = randomFloats(k * n, seed: 22)
                let c0 = randomFloats(m * n, seed: 23)
                var results: [[Float]] = []
                for tile in gemmSelectableTiles {
                    var c = c0
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            c.withUnsafeMutableBufferPointer { c in
                                gemm(tile: tile, transA: transA, transB: transB, m: m, n: n, k: k, a: a.baseAddress!,
                                     lda: transA ? m : k, b: b.baseAddress!, ldb: transB ? k : n, c: c.baseAddress!,
                                     ldc: n, epilogue: epilogue, scratch: GEMMScratch(), threads: 2)
                            }
                        }
                    }
                    results.append(c)
                }
                #expect(results.allSatisfy { $0 == results[0] },
                        "\(m)×\(n)×\(k) (transA \(transA)), α = \(epilogue.alpha), β = \(epilogue.beta): tiles differ")
            }
        }
    }

    @Test(arguments: [(Float(1), Float(1)), (0.5, -2), (-1.5, 0.25), (2, 0)])
    func alphaAndBetaScaleAsDefined(alpha: Float, beta: Float) {
        for tile in gemmSelectableTiles {
            for transA in [false, true] {
                for transB in [false, true] {
                    checkGEMM(m: 33, n: 17, k: 65, transA: transA, transB: transB, alpha: alpha, beta: beta, tile: tile)
                    checkGEMM(m: 7, n: 100, k: 13, transA: transA, transB: transB, alpha: alpha, beta: beta, tile: tile)
                    checkGEMM(m: 13, n: 64, k: 32, transA: transA, transB: transB, alpha: alpha, beta: beta, tile: tile)
                }
            }
        }
    }

    @Test func zeroBetaNeverReadsC() {
        // C full of NaN: β = 0 must overwrite, not multiply, it.
        var c = [Float](repeating: .nan, count: 7 * 9)
        let a = randomFloats(7 * 5, seed: 1), b = randomFloats(5 * 9, seed: 2)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    gemm(tile: GEMMBuildTile.self, transA: false, transB: false, m: 7, n: 9, k: 5, a: a.baseAddress!, lda: 5,
                         b: b.baseAddress!, ldb: 9, c: c.baseAddress!, ldc: 9, scratch: GEMMScratch())
                }
            }
        }
        #expect(c.allSatisfy { $0.isFinite })
    }

    @Test func emptyInnerDimensionScalesC() {
        let c = Matrix(rows: 3, cols: 4, values: (0..<12).map(Float.init))
        Matrix.multiply(Matrix(rows: 3, cols: 0), Matrix(rows: 0, cols: 4), into: c, beta: 2)
        #expect(c.values == (0..<12).map { Float($0) * 2 })
    }

    @Test func twoThreadsGiveBitwiseIdenticalResults() {
        // Large enough to cross the threading threshold.
        for (transA, transB) in [(false, false), (true, false), (false, true)] {
            let m = 240, n = 300, k = 200  // 29 MFLOP: above the fork threshold
            let a = Matrix(rows: transA ? k : m, cols: transA ? m : k, values: randomFloats(m * k, seed: 5))
            let b = Matrix(rows: transB ? n : k, cols: transB ? k : n, values: randomFloats(k * n, seed: 6))
            let one = Matrix(rows: m, cols: n), two = Matrix(rows: m, cols: n)
            Matrix.multiply(a, b, into: one, opA: transA ? .transposed : .none, opB: transB ? .transposed : .none, threads: 1)
            Matrix.multiply(a, b, into: two, opA: transA ? .transposed : .none, opB: transB ? .transposed : .none, threads: 2)
            #expect(one.values == two.values)
            #expect(gemmWorkerCount(m: m, n: n, k: k, threads: 2, tiles: (n + gemmNR - 1) / gemmNR * ((m + GEMMBuildTile.mr - 1) / GEMMBuildTile.mr)) == 2)
        }
    }

    @Test func tileUnitsCoverEveryTileOnce() {
        for (panels, rowPanels, workers) in [(1, 1, 2), (7, 43, 2), (1, 334, 2), (50, 6, 2), (13, 131, 3), (7, 1, 7)] {
            let units = _GEMMTileUnits(panels: panels, rowPanels: rowPanels, workers: workers)
            var seen = [Int](repeating: 0, count: panels * rowPanels)
            for unit in 0..<units.count {
                let (unitPanels, unitRows) = units.tiles(unit)
                #expect(!unitPanels.isEmpty && !unitRows.isEmpty)
                for panel in unitPanels { for row in unitRows { seen[panel * rowPanels + row] += 1 } }
            }
            #expect(seen.allSatisfy { $0 == 1 }, "\(panels) panels × \(rowPanels) row panels, \(workers) workers")
            // Enough units for claims to even out the threads' shares.
            #expect(units.count >= min(8 * workers, panels * rowPanels))
        }
    }

    @Test func oneColumnPanelStillSplitsAcrossThreads() {
        // The 10-wide output layer: one column panel, which a split by panels left to one thread.
        let (m, n, k) = (2000, 10, 784)  // 31 MFLOP: above the fork threshold
        #expect(!gemmPrefersPacked(m: m, n: n, k: k))
        #expect(gemmWorkerCount(m: m, n: n, k: k, threads: 2, tiles: (m + GEMMBuildTile.mr - 1) / GEMMBuildTile.mr) == 2)
        let a = Matrix(rows: m, cols: k, values: randomFloats(m * k, seed: 7))
        let b = Matrix(rows: k, cols: n, values: randomFloats(k * n, seed: 8))
        let one = Matrix(rows: m, cols: n)
        Matrix.multiply(a, b, into: one, threads: 1)
        for threads in [2, 2, 2, 3] {
            let many = Matrix(rows: m, cols: n)
            Matrix.multiply(a, b, into: many, threads: threads)
            #expect(one.values == many.values, "\(threads) threads")
        }
        for tile in gemmSelectableTiles {
            checkGuardedGEMM(m: m, n: n, k: k, transA: true, transB: false, epilogue: (1, 0.5), threads: 2, tile: tile)
        }
    }

    @Test(arguments: gemmSelectableTiles.map(TileCase.init))
    func multithreadedMatchesReference(tile: TileCase) {
        checkGEMM(m: 240, n: 300, k: 200, transA: false, transB: true, alpha: 1, beta: 0, threads: 2, tile: tile.type)
    }
}

/// A tile as a test argument (named in the test report by its shape).
struct TileCase: CustomTestStringConvertible, Sendable {
    let mr: Int, nr: Int
    init(_ type: any GEMMTile.Type) { (mr, nr) = (type.mr, type.nr) }
    var type: any GEMMTile.Type { gemmSelectableTiles.first { $0.mr == mr && $0.nr == nr }! }
    var testDescription: String { "\(mr)×\(nr)" }
}
