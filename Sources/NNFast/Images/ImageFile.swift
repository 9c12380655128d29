/// Reads a PGM or PNG image, chosen by its magic bytes.
public enum ImageFile {
    public static func decode(_ bytes: [UInt8], file: String) throws(NNFastError) -> GrayImage {
        if PNG.hasMagic(bytes) { return try PNG.decode(bytes, file: file) }
        if PGM.hasMagic(bytes) { return try PGM.decode(bytes, file: file) }
        throw NNFastError(file, "not a PGM or PNG image")
    }
}
