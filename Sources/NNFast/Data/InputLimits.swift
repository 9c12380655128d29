/// The largest inputs nnfast accepts, checked before anything their headers ask for is
/// allocated. Each is far above any real MNIST-style file (the largest, EMNIST ByClass, is
/// 0.55 GB of uncompressed pixels), and each keeps a crafted file from making the process
/// allocate more than a small multiple of what its real content needs.
public enum InputLimits {
    /// Uncompressed IDX data (header and elements), 4 GiB: a dataset must fit in memory anyway.
    public static let idxBytes = 1 << 32

    /// Any file read whole from disk (datasets, models, images), 8 GiB.
    public static let fileBytes = 1 << 33

    /// An image file to classify (PGM or PNG), 256 MiB.
    public static let imageFileBytes = 1 << 28

    /// Pixels in one image, 4096 × 4096: a phone photo of a digit fits; its Float copy is 64 MiB.
    public static let imagePixels = 1 << 24

    /// deflate's largest expansion: a stored length-258 match costs at least 2 bits, so a byte
    /// of compressed data yields at most 1032 bytes (zlib's technical details, "Maximum
    /// compression factor"). A size a header claims beyond this is a lie.
    public static let maximumInflateRatio = 1032

    /// How far an inflate trusts a size hint (gzip's ISIZE trailer, an IDX or PNG header) for
    /// its first allocation, relative to the compressed size. Real MNIST files inflate ~5:1,
    /// so they never regrow; a false hint in a truncated or crafted file costs at most this
    /// ratio before the output has to be earned by real data (the buffer then doubles).
    public static let trustedInflateRatio = 16
}
