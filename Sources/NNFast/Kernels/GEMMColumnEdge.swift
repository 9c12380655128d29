// C's last column panel, when it is narrow and A is transposed: the weight-gradient GEMMs
// (`Xᵀ·dZ`) of the 100-wide layer (an edge of 4 columns on both tiles) and of the 10-wide output
// layer (one panel of 10). A six-row tile spends a K step on such an edge as on its full 16 or
// 32 columns: a third of its lanes or more compute columns it drops.
//
// A transposed A holds op(A)'s rows contiguously, so the edge can run the other way: vectors
// along C's rows, one broadcast of B per column and K step. Groups of six or four columns of
// two vectors of rows keep every lane busy, and columns past the edge (in the last group)
// re-read column 0 and are dropped. Each element of C is still one FMA per K step, from 0 up,
// then the linear epilogue's arithmetic: the same bits as the tile's.

/// The narrow last column panel of `op(A)·B` for a transposed A, with a linear epilogue
/// (`α·acc + β·C`), along C's rows.
enum _GEMMColumnEdge {
    /// Whether an edge of `cols` columns (fewer than the tile's NR, `tileWidth`), summed over
    /// `k` steps, runs along the rows. The tile's loops waste lanes on it, unless it is 8 wide
    /// (`_GEMMTileEdges.halfWidthSums` on SIMD8 keeps every lane); over 12 was not measured.
    /// Over 5 to 12 columns the row blocks' transposed stores cost about what a short K loop
    /// saves. Measured on Zen 4 (200×kᵀ·k×10, the 10-wide layer's update; `compare_builds.py
    /// --filter "L3 update"` 11-15 rounds, then `--filter step --phases`): at k = 32 the AVX2
    /// build's edge ran 1.24× the tile alone and 1.53× in the two-thread step's update phase;
    /// the AVX-512 build's 1.09× alone but 0.75× in that phase (two parts of 100 rows, each
    /// ending in short SIMD4 and tile loops), so it waits for k = 64, the cut it had before:
    /// measured at k = 128 and 256 (1.17-1.51×), not at 64 itself. k = 16 read 1.01-1.12×,
    /// k = 8 0.91-1.04×. Four columns or fewer (the 100-wide layer's edge) win from k = 32, the
    /// smallest measured.
    static func runsAlongRows(cols: Int, k: Int, tileWidth: Int) -> Bool {
        cols <= 4 || (cols <= 12 && cols != 8 && k >= (tileWidth > 16 ? 64 : 32))
    }

    /// Computes the first rows of the edge, in blocks of two `Wide` vectors of rows (by six
    /// columns, `sixColumns`, while more than four remain, then by four), then one `Wide`, one
    /// `Narrow` and one `SIMD4` by four columns while rows remain; returns how many rows it
    /// computed (all but fewer than 4), for the tile to finish.
    ///
    /// - `a`: op(A)'s row 0 within the stored A (`k` lines, `lda` apart, of which only the first
    ///   `rows` floats are read).
    /// - `b`: the K×`cols` panel of B, step p at `b + p·bKStride`.
    @inline(__always)
    static func rowBlocks<Wide: SIMD, Narrow: SIMD>(
        _: Wide.Type, _: Narrow.Type, k: Int, a: UnsafePointer<Float>, lda: Int, rows: Int,
        b: UnsafePointer<Float>, bKStride: Int, cols: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) -> Int where Wide.Scalar == Float, Narrow.Scalar == Float {
        var row = 0
        @inline(__always) func groups<V: SIMD>(_: V.Type, pair: Bool) where V.Scalar == Float {
            var column = 0
            while column < cols {
                if pair && cols - column > 4 {
                    sixColumns(V.self, k: k, a: a + row, lda: lda, b: b + column, bKStride: bKStride,
                               cols: min(6, cols - column), c: c + row * ldc + column, ldc: ldc, alpha: alpha, beta: beta)
                    column += 6
                } else {
                    fourColumns(V.self, pair: pair, k: k, a: a + row, lda: lda, b: b + column, bKStride: bKStride,
                                cols: min(4, cols - column), c: c + row * ldc + column, ldc: ldc, alpha: alpha, beta: beta)
                    column += 4
                }
            }
            row += (pair ? 2 : 1) * V.scalarCount
        }
        while rows - row >= 2 * Wide.scalarCount { groups(Wide.self, pair: true) }
        if rows - row >= Wide.scalarCount { groups(Wide.self, pair: false) }
        if Narrow.scalarCount < Wide.scalarCount && rows - row >= Narrow.scalarCount { groups(Narrow.self, pair: false) }
        if rows - row >= 4 { groups(SIMD4<Float>.self, pair: false) }
        return row
    }

    /// Up to four columns of one or two vectors of rows (`pair`): C[i, j] for i below
    /// (pair ? 2 : 1)·V.scalarCount and j below `cols` ≤ 4.
    @inline(__always)
    static func fourColumns<V: SIMD>(
        _: V.Type, pair: Bool, k: Int, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, bKStride: Int, cols: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) where V.Scalar == Float {
        // Columns past `cols` re-read column 0 (in bounds) and are not stored.
        let j1 = cols > 1 ? 1 : 0, j2 = cols > 2 ? 2 : 0, j3 = cols > 3 ? 3 : 0
        let highOffset = MemoryLayout<V>.size
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var aLine = UnsafeRawPointer(a)
        var bLine = b
        for _ in 0..<k {
            let a0 = aLine.loadUnaligned(as: V.self)
            let a1 = pair ? aLine.loadUnaligned(fromByteOffset: highOffset, as: V.self) : a0
            var s = bLine[0]; c00.addProduct(s, a0); if pair { c01.addProduct(s, a1) }
            s = bLine[j1]; c10.addProduct(s, a0); if pair { c11.addProduct(s, a1) }
            s = bLine[j2]; c20.addProduct(s, a0); if pair { c21.addProduct(s, a1) }
            s = bLine[j3]; c30.addProduct(s, a0); if pair { c31.addProduct(s, a1) }
            aLine += lda &* MemoryLayout<Float>.stride  // unchecked: see GEMMTile6x16
            bLine += bKStride
        }
        storeTransposed(c00, c10, c20, c30, cols: cols, c: c, ldc: ldc, alpha: alpha, beta: beta)
        if pair {
            storeTransposed(c01, c11, c21, c31, cols: cols, c: c + V.scalarCount * ldc, ldc: ldc, alpha: alpha, beta: beta)
        }
    }

    /// Five or six columns (`cols`) of two vectors of rows: 12 sums in flight, as in the six-row
    /// tiles. An FMA waits about 4 cycles for its sum and two issue a cycle, so `fourColumns`'s
    /// 8 sums only just keep pace with a ymm loop (Zen 3, or an AVX2 build on Zen 4). Not inlined:
    /// a second loop in `rowBlocks` spilled its registers.
    @inline(never)
    static func sixColumns<V: SIMD>(
        _: V.Type, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, bKStride: Int, cols: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) where V.Scalar == Float {
        let j5 = cols > 5 ? 5 : 0  // a fifth column only: the sixth re-reads column 0, not stored
        let highOffset = MemoryLayout<V>.size
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var aLine = UnsafeRawPointer(a)
        var bLine = b
        for _ in 0..<k {
            let a0 = aLine.loadUnaligned(as: V.self)
            let a1 = aLine.loadUnaligned(fromByteOffset: highOffset, as: V.self)
            var s = bLine[0]; c00.addProduct(s, a0); c01.addProduct(s, a1)
            s = bLine[1]; c10.addProduct(s, a0); c11.addProduct(s, a1)
            s = bLine[2]; c20.addProduct(s, a0); c21.addProduct(s, a1)
            s = bLine[3]; c30.addProduct(s, a0); c31.addProduct(s, a1)
            s = bLine[4]; c40.addProduct(s, a0); c41.addProduct(s, a1)
            s = bLine[j5]; c50.addProduct(s, a0); c51.addProduct(s, a1)
            aLine += lda &* MemoryLayout<Float>.stride  // unchecked: see GEMMTile6x16
            bLine += bKStride
        }
        let secondRows = c + V.scalarCount * ldc
        storeTransposed(c00, c10, c20, c30, cols: 4, c: c, ldc: ldc, alpha: alpha, beta: beta)
        storeTransposed(c40, c50, c50, c50, cols: cols - 4, c: c + 4, ldc: ldc, alpha: alpha, beta: beta)
        storeTransposed(c01, c11, c21, c31, cols: 4, c: secondRows, ldc: ldc, alpha: alpha, beta: beta)
        storeTransposed(c41, c51, c51, c51, cols: cols - 4, c: secondRows + 4, ldc: ldc, alpha: alpha, beta: beta)
    }

    /// Stores four column vectors (lane i is row i) into rows of C: row i gets
    /// `α·(c0[i], c1[i], c2[i], c3[i]) + β·C`, its first `cols` floats only — the arithmetic of
    /// `storeLinearTileRow`, lane for lane.
    @inline(__always)
    static func storeTransposed<V: SIMD>(
        _ c0: V, _ c1: V, _ c2: V, _ c3: V, cols: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) where V.Scalar == Float {
        for i in 0..<V.scalarCount {
            var value = SIMD4(c0[i], c1[i], c2[i], c3[i])
            if alpha != 1 { value *= alpha }
            let target = c + i * ldc
            if cols == 4 {
                let raw = UnsafeMutableRawPointer(target)
                if beta != 0 { value.addProduct(beta, raw.loadUnaligned(as: SIMD4<Float>.self)) }
                raw.storeBytes(of: value, as: SIMD4<Float>.self)
            } else {
                for j in 0..<cols {
                    var element = value[j]
                    if beta != 0 { element.addProduct(beta, target[j]) }
                    target[j] = element
                }
            }
        }
    }
}

extension _GEMMSixRowTile {
    /// The narrow column edge of a transposed A, in blocks of two `Segment`s of rows (16 or 32),
    /// then one `Segment`, 8 and 4 rows (`_GEMMColumnEdge.rowBlocks`). Out of line, once per
    /// tile: the GEMM's panel loops around it keep their own registers.
    @inline(never)
    static func columnEdgeAlongRows(
        k: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, b: UnsafePointer<Float>, bKStride: Int, cols: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) -> Int {
        _GEMMColumnEdge.rowBlocks(Segment.self, SIMD8<Float>.self, k: k, a: a, lda: lda, rows: rows,
                                  b: b, bKStride: bKStride, cols: cols, c: c, ldc: ldc, alpha: alpha, beta: beta)
    }
}

extension _GEMMPanelPlan {
    /// Rows `rows` of the last column panel along C's rows (`columnEdgePanel`); the tile computes
    /// the last few (fewer than 4) that the edge's row blocks leave.
    func computeColumnEdge(rows: Range<Int>) {
        let panel = panelCount - 1
        let col0 = panel * Tile.nr, cols = x.n - col0
        let (b, bKStride) = bPanel(panel)
        let done = Tile.columnEdgeAlongRows(
            k: x.k, a: x.a + rows.lowerBound, lda: x.lda, rows: rows.count, b: b, bKStride: bKStride, cols: cols,
            c: x.c + rows.lowerBound * x.ldc + col0, ldc: x.ldc, alpha: epilogue.alpha, beta: epilogue.beta)
        var row0 = rows.lowerBound + done
        while row0 < rows.upperBound {
            Tile.multiply(
                k: x.k, a: x.a + row0, aRowStride: 1, aKStride: x.lda, b: b, bKStride: bKStride,
                c: x.c + row0 * x.ldc + col0, ldc: x.ldc, rows: min(Tile.mr, rows.upperBound - row0), cols: cols,
                column: col0, epilogue: epilogue)
            row0 += Tile.mr
        }
    }
}
