// Shared loop shape for the elementwise kernels: whole SIMD16 chunks straight from memory, then
// the ragged tail through a zero-padded local vector, so no kernel reads or writes past `count`.

/// Applies `body` to `count` floats at `x` (and the matching floats at `y`), writing to `x`.
@inline(__always)
func forEachChunk(
    _ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>?, count: Int,
    _ body: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>
) {
    var i = 0
    let xRaw = UnsafeMutableRawPointer(x)
    let yRaw = y.map { UnsafeRawPointer($0) }
    while i + 16 <= count {
        let offset = i * MemoryLayout<Float>.stride
        let xv = xRaw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
        let yv = yRaw?.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) ?? .zero
        (xRaw + offset).storeBytes(of: body(xv, yv), as: SIMD16<Float>.self)
        i += 16
    }
    if i < count {
        var xv = SIMD16<Float>(), yv = SIMD16<Float>()
        for j in 0..<(count - i) {
            xv[j] = x[i + j]
            if let y { yv[j] = y[i + j] }
        }
        let result = body(xv, yv)
        for j in 0..<(count - i) { x[i + j] = result[j] }
    }
}
