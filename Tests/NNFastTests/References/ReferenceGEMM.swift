/// The plain definition of GEMM that every fast path is tested against (test-only):
/// `C = α·op(A)·op(B) + β·C`, row-major, each dot product summed in Double, in K order.
///
/// Shapes: op(A) is m×k, op(B) is k×n, C is m×n. `A` is stored m×k (or k×m when transposed)
/// with row stride `lda`; likewise `B` and `ldb`; `C` has row stride `ldc`.
/// When `beta == 0`, C is not read (so it may hold garbage, even NaN), as in BLAS.
func referenceGEMM(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: inout [Float], ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let aValue = transA ? a[p * lda + i] : a[i * lda + p]
                let bValue = transB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(aValue) * Double(bValue)
            }
            let scaled = Float(Double(alpha) * sum)
            c[i * ldc + j] = beta == 0 ? scaled : scaled + beta * c[i * ldc + j]
        }
    }
}
