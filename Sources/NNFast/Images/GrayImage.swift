/// A grayscale image with samples scaled to 0…1 (0 = black), row-major.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [Float]
    /// The source's largest sample value (255 for 8-bit): `pixels × maxval` recovers the samples.
    public var maxval: Int

    public init(width: Int, height: Int, pixels: [Float], maxval: Int = 255) {
        precondition(pixels.count == width * height, "pixel count does not match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.maxval = maxval
    }

    /// The pixels on the 0…255 scale the models were trained on: the original samples when the
    /// source was 8-bit, exactly.
    public var samples255: [Float] {
        let top = Float(maxval)
        return pixels.map { ($0 * top).rounded() * 255 / top }
    }

    public subscript(x: Int, y: Int) -> Float {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }
}
