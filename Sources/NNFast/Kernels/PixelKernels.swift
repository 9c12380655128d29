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

/// Asks for the cache lines of `values` ahead of a read (one prefetch per 64-byte line, and the
/// last element's): for memory that a later phase reads at random, such as a batch's images.
func prefetchForRead<T>(_ values: UnsafeBufferPointer<T>) {
    guard let start = values.baseAddress, !values.isEmpty else { return }
    let bytes = UnsafeRawPointer(start)
    let count = values.count * MemoryLayout<T>.stride
    var offset = 0
    while offset < count {
        nnfast_prefetch_for_read(bytes + offset)
        offset += 64
    }
    nnfast_prefetch_for_read(bytes + count - 1)
}
