/// A rectangle of a `Matrix` — rows `rows`, columns `columns` — named for a kernel to work on.
///
/// Layers and the training loop say *which part* of a matrix a kernel reads or writes (this
/// thread's rows of the batch, a block of W's rows, the first `batchRows` rows of dZ) with a
/// block; only the kernels turn it into a start pointer and a row stride.
///
/// A block is made for one kernel call, while its matrix is held by the caller, and it does
/// not retain the matrix: counting references on every block would have both threads of a
/// step update the same object's count, dozens of times per step. (With a retaining block,
/// `nnfast bench --quick --filter 'step b'` alternated with the previous binary 3 times on the
/// 2-core AVX-512 machine gave the batch-32 step on 2 threads 1.6-5.0% slower; that host's
/// 2-thread figures are noisy, so take it as a sign, not a size.)
struct MatrixBlock {
    unowned(unsafe) let matrix: Matrix
    let rows: Range<Int>
    let columns: Range<Int>

    init(_ matrix: Matrix, rows: Range<Int>, columns: Range<Int>) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= matrix.rows, "block rows out of range")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= matrix.cols, "block columns out of range")
        self.matrix = matrix
        self.rows = rows
        self.columns = columns
    }
}

extension Matrix {
    /// Rows `range`, every column.
    func rows(_ range: Range<Int>) -> MatrixBlock { MatrixBlock(self, rows: range, columns: 0..<cols) }

    /// Rows `rows` and columns `columns`.
    func block(rows: Range<Int>, columns: Range<Int>) -> MatrixBlock { MatrixBlock(self, rows: rows, columns: columns) }

    /// The whole matrix.
    var all: MatrixBlock { MatrixBlock(self, rows: 0..<rows, columns: 0..<cols) }
}
