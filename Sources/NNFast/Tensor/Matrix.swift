/// A dense row-major matrix of `Float` that owns 64-byte-aligned storage.
///
/// `Matrix` is a reference type on purpose: layers, optimizers and workspaces share and update
/// the same buffers in place, and the training loop must never copy or reallocate them.
/// Element access through the subscript is bounds-checked; the kernels reach the storage through
/// `withUnsafe…` accessors that stay inside the module.
public final class Matrix {
    public let rows: Int
    public let cols: Int
    /// Start of `rows × cols` floats, aligned to 64 bytes (one cache line, one AVX-512 vector).
    let base: UnsafeMutablePointer<Float>

    public var count: Int { rows * cols }

    /// A zero-filled `rows × cols` matrix.
    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
        precondition(!overflow, "matrix dimensions overflow")
        self.rows = rows
        self.cols = cols
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    /// A matrix holding `values` in row-major order.
    public convenience init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "expected \(rows * cols) values, got \(values.count)")
        self.init(rows: rows, cols: cols)
        values.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit {
        base.deallocate()
    }

    public subscript(row: Int, col: Int) -> Float {
        get {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "index out of range")
            return base[row * cols + col]
        }
        set {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "index out of range")
            base[row * cols + col] = newValue
        }
    }

    /// The elements in row-major order.
    public var values: [Float] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }

    /// Overwrites every element with `value`.
    public func fill(_ value: Float) {
        base.update(repeating: value, count: count)
    }

    /// Copies the elements of `other`, which must have the same shape.
    public func copy(from other: Matrix) {
        precondition(rows == other.rows && cols == other.cols, "shape mismatch in copy")
        base.update(from: other.base, count: count)
    }

    /// A new matrix with the same shape and elements.
    public func clone() -> Matrix {
        let copy = Matrix(rows: rows, cols: cols)
        copy.copy(from: self)
        return copy
    }
}
