/// A dense row-major matrix of `Float` that owns 64-byte-aligned storage.
///
/// Each row starts on a 64-byte boundary: the row stride (`rowStride`, in floats) is `cols`
/// rounded up to a whole number of GEMM column panels (16 or 32 floats), and the padding is
/// kept at zero. That lets the GEMM read any column panel in place (the last, ragged panel
/// reads zeros instead of being packed) and every row load be aligned.
///
/// `Matrix` is a reference type on purpose: layers and workspaces update the same buffers in
/// place, and the training loop must never copy or reallocate them. Element access through the
/// subscript is bounds-checked. Layers and the training loop name parts of a matrix with
/// `MatrixBlock`; only `Kernels/` (and this folder) turn them into pointers through `base`.
public final class Matrix {
    public let rows: Int
    public let cols: Int
    /// Distance between the starts of consecutive rows, in floats (a multiple of the panel width).
    public let rowStride: Int
    /// Start of `rows × rowStride` floats, aligned to 64 bytes.
    let base: UnsafeMutablePointer<Float>

    /// Number of logical elements, `rows × cols`.
    public var count: Int { rows * cols }

    /// A zero-filled `rows × cols` matrix.
    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        let stride = Matrix.paddedStride(cols)
        let (storage, overflow) = rows.multipliedReportingOverflow(by: stride)
        precondition(!overflow, "matrix dimensions overflow")
        self.rows = rows
        self.cols = cols
        rowStride = stride
        let capacity = max(storage, 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: capacity)
        base.initialize(repeating: 0, count: capacity)
    }

    /// A matrix holding `values` in row-major order.
    public convenience init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "expected \(rows * cols) values, got \(values.count)")
        self.init(rows: rows, cols: cols)
        setValues(values)
    }

    deinit {
        base.deallocate()
    }

    /// The start of row `index` (checked), for kernels that fill a row.
    func row(_ index: Int) -> UnsafeMutablePointer<Float> {
        precondition(index >= 0 && index < rows, "row index out of range")
        return base + index * rowStride
    }

    /// `cols` rounded up to a whole number of GEMM column panels (at least one).
    static func paddedStride(_ cols: Int) -> Int {
        max(gemmNR, (cols + gemmNR - 1) / gemmNR * gemmNR)
    }

    public subscript(row: Int, col: Int) -> Float {
        get {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "index out of range")
            return base[row * rowStride + col]
        }
        set {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "index out of range")
            base[row * rowStride + col] = newValue
        }
    }

    /// The logical elements in row-major order (no padding).
    public var values: [Float] {
        var result: [Float] = []
        result.reserveCapacity(count)
        for i in 0..<rows {
            result.append(contentsOf: UnsafeBufferPointer(start: base + i * rowStride, count: cols))
        }
        return result
    }

    /// Overwrites the logical elements with `values` (row-major, `rows × cols` of them).
    public func setValues(_ values: [Float]) {
        precondition(values.count == count, "expected \(count) values, got \(values.count)")
        values.withUnsafeBufferPointer { source in
            for i in 0..<rows {
                (base + i * rowStride).update(from: source.baseAddress! + i * cols, count: cols)
            }
        }
    }

    /// Sets every logical element to `value` (the padding stays zero).
    public func fill(_ value: Float) {
        for i in 0..<rows {
            (base + i * rowStride).update(repeating: value, count: cols)
        }
    }

    /// Copies the elements of `other`, which must have the same shape.
    public func copy(from other: Matrix) {
        precondition(rows == other.rows && cols == other.cols, "shape mismatch in copy")
        base.update(from: other.base, count: rows * rowStride)
    }

}
