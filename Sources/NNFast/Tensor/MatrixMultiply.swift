/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none
    case transposed

    var isTransposed: Bool { self == .transposed }
}

extension Matrix {
    /// `C = α·op(A)·op(B) + β·C` for whole matrices, through the engine's GEMM.
    ///
    /// The shapes must agree: op(A) is m×k, op(B) is k×n, `c` is m×n.
    public static func multiply(
        _ a: Matrix, _ b: Matrix, into c: Matrix, opA: Transpose = .none, opB: Transpose = .none,
        alpha: Float = 1, beta: Float = 0,
        threads: Int = 1, scratch: GEMMScratch = GEMMScratch()
    ) {
        let m = opA.isTransposed ? a.cols : a.rows
        let k = opA.isTransposed ? a.rows : a.cols
        let kB = opB.isTransposed ? b.cols : b.rows
        let n = opB.isTransposed ? b.rows : b.cols
        precondition(k == kB, "GEMM inner dimensions differ: \(k) vs \(kB)")
        precondition(c.rows == m && c.cols == n, "GEMM output is \(c.rows)×\(c.cols), expected \(m)×\(n)")
        gemm(transA: opA.isTransposed, transB: opB.isTransposed, m: m, n: n, k: k,
             a: a.base, lda: a.rowStride, b: b.base, ldb: b.rowStride, c: c.base, ldc: c.rowStride,
             epilogue: GEMMEpilogue(alpha: alpha, beta: beta), scratch: scratch, threads: threads)
    }
}
