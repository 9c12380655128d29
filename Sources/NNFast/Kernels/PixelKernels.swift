import CNNFastMath

// Batches are gathered from the u8 dataset and scaled to Float on the fly, so the dataset stays
// a quarter of the size of a Float copy and each batch is converted while it is in cache.

/// Writes `count` u8 pixels at `source` to `destination` as `Float(pixel) · scale + offset`.
func convertPixels(
    _ source: UnsafePointer<UInt8>, count: Int, scale: Float, offset: Float = 0,
    into destination: UnsafeMutablePointer<Float>
) {
    var i = 0
    let raw = UnsafeRawPointer(source)
    let out = UnsafeMutableRawPointer(destination)
    while i + 16 <= count {
        let bytes = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
        var values = SIMD16<Float>(repeating: offset)
        values.addProduct(nnfast_u8_to_float16(bytes), scale)
        out.storeBytes(of: values, toByteOffset: i * MemoryLayout<Float>.stride, as: SIMD16<Float>.self)
        i += 16
    }
    while i < count {
        destination[i] = offset.addingProduct(Float(source[i]), scale)  // one rounding, as the SIMD path
        i += 1
    }
}
