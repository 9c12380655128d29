// Image warping for data augmentation: Gaussian smoothing of a displacement field (separable,
// vectorized along rows) and bilinear resampling of a u8 image through a map, written straight
// into a batch row as Float. Plain multiplies and adds (no FMA) so any SIMD width, and the
// scalar references in the tests, give the same bits.

/// Where output pixel (x, y) samples the source: (a·x + b·y + c, d·x + e·y + f), plus the
/// displacement field when there is one.
struct SamplingMap {
    var a: Float = 1, b: Float = 0, c: Float = 0
    var d: Float = 0, e: Float = 1, f: Float = 0
}

/// A field of `height × stride` floats: `width` used per row, the rest zero padding; `stride` is
/// a multiple of 16 so rows load as whole SIMD vectors.
struct FieldLayout {
    let width: Int, height: Int, stride: Int

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        stride = (width + 15) / 16 * 16
    }

    var count: Int { height * stride }
}

/// Smooths `field` in place with the 1-D kernel `weights` (2r + 1 taps, centred) along rows,
/// then along columns; outside the image counts as zero. `scratch` holds `field.count` floats
/// plus a padded row of `stride + 2r + 16`.
func gaussianSmooth(_ field: UnsafeMutablePointer<Float>, layout: FieldLayout, weights: UnsafePointer<Float>,
                    radius: Int, scratch: UnsafeMutablePointer<Float>) {
    let stride = layout.stride
    let rowsOut = scratch  // the horizontal pass's result
    let padded = scratch + layout.count
    let paddedCount = stride + 2 * radius + 16
    // Horizontal: each row copied into a zero-padded line, then Σ_k w[k]·line[x + k].
    for y in 0..<layout.height {
        padded.update(repeating: 0, count: paddedCount)
        (padded + radius).update(from: field + y * stride, count: layout.width)
        var x = 0
        while x < stride {
            var sum = SIMD16<Float>()
            for k in 0...(2 * radius) {
                sum += weights[k] * UnsafeRawPointer(padded + x + k).loadUnaligned(as: SIMD16<Float>.self)
            }
            UnsafeMutableRawPointer(rowsOut + y * stride + x).storeBytes(of: sum, as: SIMD16<Float>.self)
            x += 16
        }
    }
    // Vertical: Σ_k w[k]·rows[y + k − r], rows outside skipped (zero).
    for y in 0..<layout.height {
        var x = 0
        while x < stride {
            var sum = SIMD16<Float>()
            for k in 0...(2 * radius) {
                let source = y + k - radius
                guard source >= 0 && source < layout.height else { continue }
                sum += weights[k] * UnsafeRawPointer(rowsOut + source * stride + x).loadUnaligned(as: SIMD16<Float>.self)
            }
            UnsafeMutableRawPointer(field + y * stride + x).storeBytes(of: sum, as: SIMD16<Float>.self)
            x += 16
        }
    }
    // The horizontal pass spreads into the padding columns: clear them again.
    for y in 0..<layout.height {
        (field + y * stride + layout.width).update(repeating: 0, count: stride - layout.width)
    }
}

/// The source image as floats with a zero border of 2 pixels, so bilinear sampling needs no
/// bounds checks: a sample point outside the image is clamped into the border, whose pixels are
/// zero exactly as the outside is.
struct BorderedImage {
    static let border = 2
    let width: Int, height: Int
    var stride: Int { width + 2 * Self.border }
    var count: Int { (height + 2 * Self.border) * stride }

    /// Fills `into` (`count` floats, border already zero) with the u8 pixels of `source`.
    func fill(from source: UnsafePointer<UInt8>, into image: UnsafeMutablePointer<Float>) {
        for y in 0..<height {
            let row = image + (y + Self.border) * stride + Self.border
            for x in 0..<width { row[x] = Float(source[y * width + x]) }
        }
    }
}

/// out[y·width + x] ← scale · bilinear(image at map(x, y) + (dx, dy)[y][x]), for a `BorderedImage`
/// (zero outside the source). `dx`/`dy` are fields in `layout` (or nil). Scalar: a version with
/// the coordinates in SIMD16 and lane-by-lane tap loads measured 6× slower (Swift's per-lane
/// SIMD access does not compile to inserts).
func warpBilinear(_ image: UnsafePointer<Float>, bordered: BorderedImage, map: SamplingMap,
                  dx: UnsafePointer<Float>?, dy: UnsafePointer<Float>?, layout: FieldLayout,
                  scale: Float, into out: UnsafeMutablePointer<Float>) {
    let width = bordered.width, height = bordered.height, stride = bordered.stride
    let border = BorderedImage.border
    // Sample points are clamped to [−2, size] (then x0 + 1 ≤ size + 1 is still in the border).
    let low = Float(-border), highX = Float(width), highY = Float(height)
    for y in 0..<height {
        let fy = Float(y)
        let rowX = map.b * fy + map.c, rowY = map.e * fy + map.f
        for x in 0..<width {
            let fx = Float(x)
            var sx = map.a * fx + rowX
            var sy = map.d * fx + rowY
            if let dx, let dy {
                sx += dx[y * layout.stride + x]
                sy += dy[y * layout.stride + x]
            }
            // NaN-safe clamps (a NaN map lands on the border, which is zero).
            let x0f = min(max(sx.rounded(.down), low), highX)
            let y0f = min(max(sy.rounded(.down), low), highY)
            let tx = min(max(sx - x0f, 0), 1), ty = min(max(sy - y0f, 0), 1)
            let p = image + (Int(y0f) + border) * stride + (Int(x0f) + border)
            let top = p[0] + (p[1] - p[0]) * tx
            let bottom = p[stride] + (p[stride + 1] - p[stride]) * tx
            out[y * width + x] = (top + (bottom - top) * ty) * scale
        }
    }
}
