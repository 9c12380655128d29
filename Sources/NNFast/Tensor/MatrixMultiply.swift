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
        gemm(a.all, opA, b.all, opB, into: c.all, epilogue: GEMMEpilogue(alpha: alpha, beta: beta),
             scratch: scratch, threads: threads)
    }
}
