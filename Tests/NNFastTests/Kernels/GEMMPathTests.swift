import Testing
@testable import NNFast

/// The engine GEMM on guarded operands (A and B end at an inaccessible page, C is framed by
/// canaries) against the float64 reference, for an explicit epilogue.
func checkGuardedGEMM(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, epilogue: (alpha: Float, beta: Float),
                      bias: [Float]? = nil, activation: ActivationKernel = .identity, threads: Int = 1,
                      tile: any GEMMTile.Type = GEMMBuildTile.self) {
    let lda = transA ? m : k, ldb = transB ? k : n, ldc = n
    let aValues = randomFloats((transA ? k : m) * lda, seed: 11)
    let bValues = randomFloats((transB ? n : k) * ldb, seed: 12)
    let c0 = randomFloats(m * ldc, seed: 13)
    let canary: Float = 12345.5
    let a = GuardedBuffer(aValues), b = GuardedBuffer(bValues)
    var framed = [Float](repeating: canary, count: 32) + c0 + [Float](repeating: canary, count: 32)
    let scratch = GEMMScratch()
    bias.withOptionalPointer { biasPointer in
        framed.withUnsafeMutableBufferPointer { c in
            gemm(tile: tile, transA: transA, transB: transB, m: m, n: n, k: k, a: a.pointer, lda: lda, b: b.pointer, ldb: ldb,
                 c: c.baseAddress! + 32, ldc: ldc,
                 epilogue: GEMMEpilogue(alpha: epilogue.alpha, beta: epilogue.beta, bias: biasPointer, activation: activation),
                 scratch: scratch, threads: threads)
        }
    }
    #expect(framed.prefix(32).allSatisfy { $0 == canary } && framed.suffix(32).allSatisfy { $0 == canary },
            "GEMM wrote outside C")
    var expected = c0
    referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: epilogue.alpha, a: aValues, lda: lda,
                  b: bValues, ldb: ldb, beta: epilogue.beta, c: &expected, ldc: ldc)
    var worst: Float = 0
    for i in 0..<m {
        for j in 0..<n {
            var value = Double(expected[i * ldc + j]) + Double(bias?[j] ?? 0)
            value = referenceActivation(activation, value)
            let actual = framed[32 + i * ldc + j]
            // Error bound of a k-term float sum of products in [-1, 1], plus the activation's own.
            let bound = Float(k + 4) * 1.2e-7 * (Float(k) * abs(epilogue.alpha) + abs(epilogue.beta) + 1) / 4 + 1e-6
            worst = max(worst, abs(actual - Float(value)) / bound)
        }
    }
    #expect(worst <= 1, "\(tile) m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB) threads=\(threads): \(worst)× the bound")
}

extension Optional where Wrapped == [Float] {
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case .some(let array): return array.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}

@Suite struct GEMMPathTests {
    @Test(arguments: gemmSelectableTiles.map(TileCase.init))
    func unpackedPathStaysInsideItsBuffers(tile: TileCase) {
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            for (m, n, k) in [(1, 1, 1), (7, 13, 5), (33, 17, 65), (32, 100, 784), (100, 10, 32), (5, 33, 200)] {
                checkGuardedGEMM(m: m, n: n, k: k, transA: transA, transB: transB, epilogue: (1, 0), tile: tile.type)
            }
        }
    }

    @Test(arguments: gemmSelectableTiles.map(TileCase.init))
    func packedPathMatchesReference(tile: TileCase) {
        // Above the packed threshold, with ragged edges in every dimension and several K slices.
        let (m, n, k) = (261, 259, 777)
        #expect(gemmPrefersPacked(m: m, n: n, k: k))
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            checkGuardedGEMM(m: m, n: n, k: k, transA: transA, transB: transB, epilogue: (0.5, -1), tile: tile.type)
        }
    }

    @Test(arguments: gemmSelectableTiles.map(TileCase.init))
    func unpackedPathWalksAlongRowsWhenATransposedAOutgrowsL2(tile: TileCase) {
        // The batch-256 weight gradient's shape, ragged: A (stored k×m) is 301×461 floats, over
        // 512 KiB, and n < 256 keeps it unpacked. A transposed A under L2 keeps the column walk.
        let (m, n, k) = (461, 101, 301)
        #expect(!gemmPrefersPacked(m: m, n: n, k: k))
        // Plans over a dummy buffer, only asked which walk they take: B's row stride has room for
        // every panel, so the plan reads B in place and packs nothing from the dummy.
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        defer { buffer.deallocate() }
        let widest = gemmSelectableTiles.map { $0.nr }.max()!
        let roomyLDB = (n + widest - 1) / widest * widest
        func plan<T: GEMMTile>(_: T.Type = GEMMBuildTile.self, transA: Bool, k: Int) -> _GEMMPanelPlan<T> {
            _GEMMPanelPlan(_GEMMOperands(transA: transA, transB: false, m: m, n: n, k: k, a: buffer, lda: transA ? m : k,
                                         b: buffer, ldb: roomyLDB, c: buffer, ldc: n),
                           epilogue: .plain, scratch: GEMMScratch(), workers: 2)
        }
        #expect(plan(transA: true, k: k).walksAlongRows)
        #expect(!plan(transA: true, k: 32).walksAlongRows)
        #expect(!plan(transA: false, k: k).walksAlongRows)
        // Along rows, the 6×16 tile (7 column panels here) packs each row panel of A first; the
        // 6×32 tile (4) reads A in place. Both must match the reference below, on 1 and 2 threads
        // (each worker packs into its own panel).
        #expect(plan(GEMMTile6x16.self, transA: true, k: k).packsARowPanels)
        #expect(!plan(GEMMTile6x32.self, transA: true, k: k).packsARowPanels)
        for threads in [1, 2] {
            checkGuardedGEMM(m: m, n: n, k: k, transA: true, transB: false, epilogue: (-0.5, 1), threads: threads,
                             tile: tile.type)
            checkGuardedGEMM(m: m, n: n, k: k, transA: true, transB: true, epilogue: (1, 0), threads: threads,
                             tile: tile.type)
        }
    }

    /// A transposed A's narrow last column panel runs along C's rows (`_GEMMColumnEdge`), not
    /// through the tile: each element is still one FMA per K step from 0 up, then the linear
    /// epilogue, so the bits equal those of the same A stored untransposed (the tile's path),
    /// for every edge width, every row remainder, on 1 and 2 threads.
    @Test(arguments: gemmSelectableTiles.map(TileCase.init))
    func transposedAGivesTheBitsOfItsUntransposedCopy(tile: TileCase) {
        let widths = [1, 2, 3, 4, 5, 7, 10, 12, 13, 20, 100, 101]
        let rows = [1, 3, 4, 5, 7, 8, 12, 17, 31, 33, 100, 461]
        for (n, m) in Array(zip(widths, rows)) + Array(zip(widths, rows.reversed())) {
            for (k, epilogue) in [(1, GEMMEpilogue.plain), (64, GEMMEpilogue(alpha: -0.05, beta: 0.999)),
                                  (301, GEMMEpilogue(alpha: 2, beta: 0))] {
                let a = randomFloats(m * k, seed: UInt64(m + k)), b = randomFloats(k * n, seed: UInt64(n))
                var aTransposed = [Float](repeating: 0, count: k * m)
                for i in 0..<m { for p in 0..<k { aTransposed[p * m + i] = a[i * k + p] } }
                let c0 = randomFloats(m * n, seed: 24)
                var results: [[Float]] = []
                for (transA, threads) in [(false, 1), (true, 1), (true, 2)] as [(Bool, Int)] {
                    var c = c0
                    (transA ? aTransposed : a).withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            c.withUnsafeMutableBufferPointer { c in
                                gemm(tile: tile.type, transA: transA, transB: false, m: m, n: n, k: k, a: a.baseAddress!,
                                     lda: transA ? m : k, b: b.baseAddress!, ldb: n, c: c.baseAddress!, ldc: n,
                                     epilogue: epilogue, scratch: GEMMScratch(), threads: threads)
                            }
                        }
                    }
                    results.append(c)
                }
                #expect(!gemmPrefersPacked(m: m, n: n, k: k))
                #expect(results.allSatisfy { $0 == results[0] },
                        "\(tile.testDescription) \(m)×\(n)×\(k), α = \(epilogue.alpha), β = \(epilogue.beta)")
            }
        }
        // The edge reads only its own rows of A and writes only its own columns of C.
        for (m, n, k) in [(5, 3, 50), (17, 12, 9), (4, 1, 7), (45, 10, 33)] {
            checkGuardedGEMM(m: m, n: n, k: k, transA: true, transB: false, epilogue: (0.5, -1), tile: tile.type)
        }
    }

    @Test func packedPathAppliesBiasAndActivationOnlyAfterTheLastSlice() {
        let bias = randomFloats(259, seed: 14)
        for tile in gemmSelectableTiles {
            checkGuardedGEMM(m: 257, n: 259, k: 600, transA: false, transB: false, epilogue: (1, 0), bias: bias,
                             activation: .relu, tile: tile)
            checkGuardedGEMM(m: 257, n: 259, k: 600, transA: true, transB: false, epilogue: (1, 0), bias: bias,
                             activation: .tanh, tile: tile)
            // The unpacked path's epilogue, ragged in both directions.
            checkGuardedGEMM(m: 33, n: 259, k: 65, transA: false, transB: true, epilogue: (1, 0.5), bias: bias,
                             activation: .sigmoid, tile: tile)
        }
    }

    @Test func packedPathIsBitwiseIdenticalOnOneAndTwoThreads() {
        let (m, n, k) = (300, 280, 600)
        let a = Matrix(rows: m, cols: k, values: randomFloats(m * k, seed: 15))
        let b = Matrix(rows: k, cols: n, values: randomFloats(k * n, seed: 16))
        // Threads split C's column panels (18 of them here): 2 and 3 workers, and more workers
        // than a ragged split can keep busy, all give one thread's bits.
        expectOneThreadsBits(a, b, threads: [2, 3, 7])
        for tile in gemmSelectableTiles {
            checkGuardedGEMM(m: m, n: n, k: k, transA: false, transB: true, epilogue: (1, 0), threads: 2, tile: tile)
        }
    }

    @Test func packedPanelsNeverShareRoomWhateverSliceEachWorkerIsOn() {
        // Threads overlap K slices: one packs slice s + 1 while another still multiplies slice
        // s. So panel p, packed for any slice depth, must end before panel p + 1 starts, and
        // consecutive slices must pack into separate rooms.
        let (m, n, k) = (260, 259, 2 * gemmKC + 40)
        #expect(gemmPrefersPacked(m: m, n: n, k: k))
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        defer { buffer.deallocate() }
        let x = _GEMMOperands(transA: false, transB: false, m: m, n: n, k: k, a: buffer, lda: k, b: buffer, ldb: n,
                              c: buffer, ldc: n)
        let units = _GEMMPackedUnits(m: m, k: k, panels: x.panelCount(width: GEMMBuildTile.nr), mr: GEMMBuildTile.mr,
                                     chunkPanels: 3, threads: 2)
        let bSize = units.panels * gemmKC * GEMMBuildTile.nr
        let plan = _GEMMPackedPlan<GEMMBuildTile>(x: x, epilogue: .plain, units: units, packedB: buffer, bBuffers: 2,
                                                  bSize: bSize, packedA: buffer, aSize: 0)
        for slice in 0..<units.slices {
            for panel in 0..<units.panels {
                let start = plan.panelStart(panel, slice: slice), end = start + gemmKC * GEMMBuildTile.nr
                if panel + 1 < units.panels { #expect(end <= plan.panelStart(panel + 1, slice: slice)) }
                for other in 0..<units.panels {
                    let otherStart = plan.panelStart(other, slice: slice + 1)
                    #expect(end <= otherStart || otherStart + gemmKC * GEMMBuildTile.nr <= start,
                            "slice \(slice) panel \(panel) overlaps slice \(slice + 1) panel \(other)")
                }
            }
        }
        // And the result is one thread's, whichever thread claims what (three tries each: the
        // claims are a matter of timing), over three K slices.
        let a = Matrix(rows: m, cols: k, values: randomFloats(m * k, seed: 19))
        let b = Matrix(rows: k, cols: n, values: randomFloats(k * n, seed: 20))
        expectOneThreadsBits(a, b, threads: [2, 2, 2, 3, 3, 3, 4, 4, 4])
    }

    @Test func packedUnitsCoverEveryTileOnceInEachSlice() {
        for (m, k, panels, chunkPanels, threads) in [(256, 512, 16, 8, 2), (300, 1100, 18, 8, 1), (300, 1100, 18, 8, 3),
                                                     (2048, 2048, 128, 8, 2), (257, 600, 1, 4, 2)] {
            let units = _GEMMPackedUnits(m: m, k: k, panels: panels, mr: GEMMBuildTile.mr, chunkPanels: chunkPanels,
                                         threads: threads)
            var packs = Array(repeating: [Int](), count: units.slices)
            var tiles = Array(repeating: [Int](repeating: 0, count: m * panels), count: units.slices)
            var lastSlice = 0
            for index in 0..<units.count {
                let (slice, work) = units.unit(index)
                #expect(slice >= lastSlice, "slices in order")
                lastSlice = slice
                switch work {
                case .pack(let panels):
                    #expect(tiles[slice].allSatisfy { $0 == 0 }, "a slice packs before it multiplies")
                    packs[slice].append(contentsOf: panels)
                case .multiply(let block, let chunk):
                    #expect(units.rows(ofBlock: block).count % GEMMBuildTile.mr == 0 || units.rows(ofBlock: block).upperBound == m)
                    for row in units.rows(ofBlock: block) {
                        for panel in units.panels(ofChunks: chunk..<chunk + 1) { tiles[slice][row * panels + panel] += 1 }
                    }
                }
            }
            for slice in 0..<units.slices {
                #expect(packs[slice] == Array(0..<panels), "m=\(m) k=\(k): slice \(slice) packs every panel once")
                #expect(tiles[slice].allSatisfy { $0 == 1 }, "m=\(m) k=\(k): slice \(slice) multiplies every tile once")
                #expect(units.blockRows <= gemmMCMax)
            }
        }
    }

    @Test func oneKSliceGivesTheSameBitsPackedOrUnpacked() {
        // Up to one K slice deep, both paths sum each element over K in order in one tile call,
        // so where the packed threshold sits never changes a result.
        let (m, n, k) = (262, 259, gemmKC)
        #expect(gemmPrefersPacked(m: m, n: n, k: k))
        let a = randomFloats(m * k, seed: 17), b = randomFloats(k * n, seed: 18)
        var packed = [Float](repeating: 0, count: m * n), unpacked = packed
        let scratch = GEMMScratch()  // the panel plan keeps pointers into it
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let x = { (c: UnsafeMutablePointer<Float>) in
                    _GEMMOperands(transA: false, transB: false, m: m, n: n, k: k,
                                  a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n, c: c, ldc: n)
                }
                packed.withUnsafeMutableBufferPointer { c in
                    gemmPacked(x(c.baseAddress!), tile: GEMMBuildTile.self, epilogue: .plain, scratch: scratch, threads: 2)
                }
                unpacked.withUnsafeMutableBufferPointer { c in
                    let plan = _GEMMPanelPlan<GEMMBuildTile>(x(c.baseAddress!), epilogue: .plain, scratch: scratch)
                    plan.compute(panels: 0..<plan.panelCount, rowPanels: 0..<plan.rowPanelCount, worker: 0)
                }
            }
        }
        let mismatches = (0..<(m * n)).filter { packed[$0] != unpacked[$0] }
        #expect(mismatches.isEmpty, "\(mismatches.count) elements differ")
    }
}

/// `a·b` on each of `threads` equals `a·b` on one thread, bit for bit.
private func expectOneThreadsBits(_ a: Matrix, _ b: Matrix, threads: [Int],
                                  sourceLocation: SourceLocation = #_sourceLocation) {
    let one = Matrix(rows: a.rows, cols: b.cols)
    Matrix.multiply(a, b, into: one, threads: 1)
    for count in threads {
        let many = Matrix(rows: a.rows, cols: b.cols)
        Matrix.multiply(a, b, into: many, threads: count)
        #expect(one.values == many.values, "\(count) threads", sourceLocation: sourceLocation)
    }
}
