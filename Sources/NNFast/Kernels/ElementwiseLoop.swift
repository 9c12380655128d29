import CNNFastMath

// Shared loop shape for the elementwise kernels: whole SIMD16 chunks straight from memory, then
// the ragged tail through a zero-padded local vector, so no kernel reads or writes past `count`.
//
// Each kernel writes its own loop over `_Chunks` with its arithmetic in the loop body:
//
//     var chunks = _Chunks(x, y, count: count)
//     while chunks.hasMore { let (x, y) = chunks.load(); chunks.storeAndAdvance(x * y) }
//
// A helper taking the arithmetic as a closure read better, but the optimizer kept the closure
// out of line: a call per 16 floats, each vector passed in four xmm registers (objdump of the
// release build). The loads and stores go through `nnfast_load16` / `nnfast_store16`, which are
// inline wherever they are used (see shim.h).

/// A cursor over `count` floats at `x` (and the matching floats at `y`), 16 at a time.
struct _Chunks {
    let x: UnsafeMutablePointer<Float>
    let y: UnsafePointer<Float>?
    let count: Int
    private(set) var index = 0

    @inline(__always)
    init(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>?, count: Int) {
        self.x = x; self.y = y; self.count = count
    }

    var hasMore: Bool { @inline(__always) get { index < count } }

    /// The current chunk of x and of y (zeros without y), zero past `count`.
    @inline(__always)
    func load() -> (x: SIMD16<Float>, y: SIMD16<Float>) {
        if index + 16 <= count {
            return (nnfast_load16(x + index), y.map { nnfast_load16($0 + index) } ?? .zero)
        }
        var xv = SIMD16<Float>(), yv = SIMD16<Float>()
        for j in 0..<(count - index) {
            xv[j] = x[index + j]
            if let y { yv[j] = y[index + j] }
        }
        return (xv, yv)
    }

    /// Writes `values` over the current chunk of x (up to `count`), then moves to the next chunk.
    @inline(__always)
    mutating func storeAndAdvance(_ values: SIMD16<Float>) {
        if index + 16 <= count {
            nnfast_store16(x + index, values)
        } else {
            for j in 0..<(count - index) { x[index + j] = values[j] }
        }
        index += 16
    }
}
