// The K loops of both six-row tiles, generic in the segment: a tile row is two segments, SIMD8
// for the AVX2 tile (`GEMMTile6x16`), SIMD16 for the AVX-512 one (`GEMMTile6x32`); the tiles keep
// only their stores. Inlined into each tile's `multiply` on its concrete segment, the K loops
// kept the instruction counts of the tiles' own copies, with no spills (check_kernel_registers.py,
// both builds), though the code around them moved; every GEMM shape ran 0.99-1.01× as fast
// (Zen 4, family 25 model 17, `tools/compare_builds.py --filter b`).

/// A six-row micro-kernel whose rows are two `Segment`s wide.
protocol _GEMMSixRowTile: GEMMTile {
    associatedtype Segment: SIMD where Segment.Scalar == Float

    /// `_GEMMTileEdges.halfWidthSums` on this tile's segment, out of line (see below).
    static func halfWidthSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (Segment, Segment, Segment, Segment, Segment, Segment)

    /// The first half segment's columns of up to six rows, as full segments (zero above): for
    /// an edge of at most half a segment, where narrower vectors may be cheaper.
    static func quarterWidthSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (Segment, Segment, Segment, Segment, Segment, Segment)

    /// Whether a panel of at most two rows runs `twoRowSums` rather than the four-row loop.
    static var twoRowEdgePays: Bool { get }

    /// `_GEMMTileEdges.twoRowSums` on this tile's segment, out of line (see below).
    static func twoRowSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (Segment, Segment, Segment, Segment)

    /// `_GEMMTileEdges.fourRowSums` on this tile's segment, out of line (see below).
    static func fourRowSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (Segment, Segment, Segment, Segment, Segment, Segment, Segment, Segment)
}

extension _GEMMSixRowTile {
    /// The two-row loop, for a tile that never selects it (`twoRowEdgePays` false): the same
    /// sums, as a generic call.
    static func twoRowSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (Segment, Segment, Segment, Segment) {
        _GEMMTileEdges.twoRowSums(
            k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
    }

    /// The sums of one tile of `op(A)[rows × k] · Bpanel[k × 2·Segment]`, row by row (each
    /// row's two segments): one FMA per element per K step, from 0 up, whichever loop runs.
    /// Rows past `rows` hold garbage (row 0's sums, or zero), as do columns past `cols`.
    @inline(__always)
    static func rowSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int, cols: Int
    ) -> ((Segment, Segment), (Segment, Segment), (Segment, Segment),
          (Segment, Segment), (Segment, Segment), (Segment, Segment)) {
        var c00 = Segment(), c01 = Segment(), c10 = Segment(), c11 = Segment()
        var c20 = Segment(), c21 = Segment(), c30 = Segment(), c31 = Segment()
        var c40 = Segment(), c41 = Segment(), c50 = Segment(), c51 = Segment()
        if cols <= Segment.scalarCount / 2 {
            (c00, c10, c20, c30, c40, c50) = quarterWidthSums(
                k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
        } else if cols <= Segment.scalarCount {
            (c00, c10, c20, c30, c40, c50) = halfWidthSums(
                k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
        } else if rows <= 2 && twoRowEdgePays {
            (c00, c01, c10, c11) = twoRowSums(
                k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
        } else if rows <= 4 {
            (c00, c01, c10, c11, c20, c21, c30, c31) = fourRowSums(
                k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
        } else {
            let (a0, a1, a2, a3, a4, a5) = sixRowPointers(a, rows: rows, stride: aRowStride)
            let highOffset = MemoryLayout<Segment>.size
            var offset = 0
            var bRow = UnsafeRawPointer(b)
            for _ in 0..<k {
                let b0 = bRow.loadUnaligned(as: Segment.self)
                let b1 = bRow.loadUnaligned(fromByteOffset: highOffset, as: Segment.self)
                var s = a0[offset]; c00.addProduct(s, b0); c01.addProduct(s, b1)
                s = a1[offset]; c10.addProduct(s, b0); c11.addProduct(s, b1)
                s = a2[offset]; c20.addProduct(s, b0); c21.addProduct(s, b1)
                s = a3[offset]; c30.addProduct(s, b0); c31.addProduct(s, b1)
                s = a4[offset]; c40.addProduct(s, b0); c41.addProduct(s, b1)
                s = a5[offset]; c50.addProduct(s, b0); c51.addProduct(s, b1)
                offset &+= aKStride  // unchecked: see GEMMTile6x16
                bRow += bKStride &* MemoryLayout<Float>.stride
            }
        }
        return ((c00, c01), (c10, c11), (c20, c21), (c30, c31), (c40, c41), (c50, c51))
    }
}

// The edges of C, where a full tile would compute more than it stores: a full tile costs the
// same for any `rows` and `cols` (rows past `rows` re-read row 0, columns past `cols` are
// dropped). The MLP meets both edges in every layer: a 100-wide layer is six panels of 16 and
// one of 4 (three of 32 and one of 4 on AVX-512), the 10-wide output layer one ragged panel; a
// thread's 16 rows of a batch of 32 are two row panels and one of 4. These loops do the first
// half of the columns, or the first 4 rows, only: per llvm-mca's Zen 3 model half and two
// thirds of a full tile's cycles per K step. On AVX-512 a panel of at most 2 rows runs a loop
// of its own, a third of the full tile's cycles (`twoRowEdgePays`). An edge of at most half a
// segment (the 4 columns of a 100-wide layer on AVX-512) runs the half-width loop on vectors
// half as wide where those are cheaper (`quarterWidthSums`). Each element is still one FMA per K step from 0 up, so the
// bits are the same as the full tile's.
//
// Each tile calls them through its own out-of-line, non-generic functions, which
// return their sums to the tile's stores: inlined, they changed the register allocation of the
// full tile's loop; with their own copy of the stores, the ragged stores of the 10-wide layer
// stopped being inlined (its update ran 2.4× slower in the training step); called as generic
// specializations, they returned their sums through memory (the batch-32 `dZ·Wᵀ` of the 10-wide
// layer, k = 10, ran 0.965× as fast: AVX2 build on Zen 4, family 25 model 17,
// `tools/compare_builds.py`).

/// The edge loops of a six-row tile whose rows are two `Segment`s wide.
enum _GEMMTileEdges<Segment: SIMD> where Segment.Scalar == Float {
    /// The first segment's columns of up to six rows: 6 accumulators, one B vector per step.
    @inline(__always)
    static func halfWidthSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (Segment, Segment, Segment, Segment, Segment, Segment) {
        let (a0, a1, a2, a3, a4, a5) = sixRowPointers(a, rows: rows, stride: aRowStride)
        var offset = 0
        var bRow = UnsafeRawPointer(b)
        var c0 = Segment(), c1 = Segment(), c2 = Segment()
        var c3 = Segment(), c4 = Segment(), c5 = Segment()
        for _ in 0..<k {
            let b0 = bRow.loadUnaligned(as: Segment.self)
            c0.addProduct(a0[offset], b0); c1.addProduct(a1[offset], b0); c2.addProduct(a2[offset], b0)
            c3.addProduct(a3[offset], b0); c4.addProduct(a4[offset], b0); c5.addProduct(a5[offset], b0)
            offset &+= aKStride
            bRow += bKStride &* MemoryLayout<Float>.stride
        }
        return (c0, c1, c2, c3, c4, c5)
    }

    /// Both segments of up to two rows: 4 accumulators. A batch of 32 or 128 on one thread ends
    /// in a two-row panel (32 = 5·6 + 2), and so does W's 800 rows in the wide network's update.
    /// Written out like the four-row loop, each accumulator a named local, which
    /// `tools/check_kernel_registers.py` checks stay in registers.
    @inline(__always)
    static func twoRowSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (Segment, Segment, Segment, Segment) {
        let (a0, a1, _, _, _, _) = sixRowPointers(a, rows: rows, stride: aRowStride)
        let highOffset = MemoryLayout<Segment>.size
        var offset = 0
        var bRow = UnsafeRawPointer(b)
        var c00 = Segment(), c01 = Segment(), c10 = Segment(), c11 = Segment()
        for _ in 0..<k {
            let b0 = bRow.loadUnaligned(as: Segment.self)
            let b1 = bRow.loadUnaligned(fromByteOffset: highOffset, as: Segment.self)
            var s = a0[offset]; c00.addProduct(s, b0); c01.addProduct(s, b1)
            s = a1[offset]; c10.addProduct(s, b0); c11.addProduct(s, b1)
            offset &+= aKStride
            bRow += bKStride &* MemoryLayout<Float>.stride
        }
        return (c00, c01, c10, c11)
    }

    /// Both segments of up to four rows: 8 accumulators.
    @inline(__always)
    static func fourRowSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (Segment, Segment, Segment, Segment, Segment, Segment, Segment, Segment) {
        let (a0, a1, a2, a3, _, _) = sixRowPointers(a, rows: rows, stride: aRowStride)
        let highOffset = MemoryLayout<Segment>.size
        var offset = 0
        var bRow = UnsafeRawPointer(b)
        var c00 = Segment(), c01 = Segment(), c10 = Segment(), c11 = Segment()
        var c20 = Segment(), c21 = Segment(), c30 = Segment(), c31 = Segment()
        for _ in 0..<k {
            let b0 = bRow.loadUnaligned(as: Segment.self)
            let b1 = bRow.loadUnaligned(fromByteOffset: highOffset, as: Segment.self)
            var s = a0[offset]; c00.addProduct(s, b0); c01.addProduct(s, b1)
            s = a1[offset]; c10.addProduct(s, b0); c11.addProduct(s, b1)
            s = a2[offset]; c20.addProduct(s, b0); c21.addProduct(s, b1)
            s = a3[offset]; c30.addProduct(s, b0); c31.addProduct(s, b1)
            offset &+= aKStride
            bRow += bKStride &* MemoryLayout<Float>.stride
        }
        return (c00, c01, c10, c11, c20, c21, c30, c31)
    }
}
