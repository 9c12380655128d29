/// Reads a PGM or PNG image, chosen by its magic bytes.
public enum ImageFile {
    /// Reads and decodes the PGM or PNG file at `path` (at most `InputLimits.imageFileBytes`).
    public static func load(_ path: String) throws(NNFastError) -> GrayImage {
        try decode(try FileBytes.read(path, maximumBytes: InputLimits.imageFileBytes), file: path)
    }

    public static func decode(_ bytes: [UInt8], file: String) throws(NNFastError) -> GrayImage {
        if PNG.hasMagic(bytes) { return try PNG.decode(bytes, file: file) }
        if PGM.hasMagic(bytes) { return try PGM.decode(bytes, file: file) }
        throw NNFastError(file, "not a PGM or PNG image")
    }
}
