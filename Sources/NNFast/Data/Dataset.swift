/// Labeled images kept as u8 pixels (a quarter of a Float copy); batches are scaled to Float
/// as they are gathered.
public struct Dataset: Sendable {
    /// Image dimensions without the count, e.g. `[28, 28]`.
    public let imageShape: [Int]
    public let pixelsPerImage: Int
    public let count: Int
    /// `count × pixelsPerImage` pixels, image after image.
    public let pixels: [UInt8]
    public let labels: [Int32]
    /// Where the labels came from, for error messages.
    public let labelsSource: String

    /// Pairs an IDX image array (u8, `count × dims…`) with an IDX label array (integers, `count`).
    public init(images: IDXArray, imagesSource: String, labels: IDXArray, labelsSource: String) throws(NNFastError) {
        guard case .u8(let pixels) = images.elements else {
            throw NNFastError(imagesSource, "images must be u8 (IDX type 08), found \(images.elementType)")
        }
        guard images.shape.count >= 2 else {
            throw NNFastError(imagesSource, "images need at least 2 dimensions (count and pixels), found \(images.shape.count)")
        }
        guard labels.elementType.isInteger else {
            throw NNFastError(labelsSource, "labels must be integers, found \(labels.elementType)")
        }
        guard labels.shape.count == 1 else {
            throw NNFastError(labelsSource, "labels must be 1-dimensional, found shape \(labels.shape)")
        }
        guard images.shape[0] == labels.shape[0] else {
            throw NNFastError(labelsSource, "has \(labels.shape[0]) labels but \(imagesSource) has \(images.shape[0]) images")
        }
        var values: [Int32] = []
        values.reserveCapacity(labels.shape[0])
        for index in 0..<labels.shape[0] {
            let label = labels.integer(at: index)!
            guard label >= 0 && label <= Int(Int32.max) else {
                throw NNFastError(labelsSource, "label \(label) at index \(index) is negative or too large")
            }
            values.append(Int32(label))
        }
        self.init(imageShape: Array(images.shape.dropFirst()), pixels: pixels, labels: values,
                  labelsSource: labelsSource)
    }

    public init(imageShape: [Int], pixels: [UInt8], labels: [Int32], labelsSource: String) {
        self.imageShape = imageShape
        pixelsPerImage = imageShape.reduce(1, *)
        count = labels.count
        precondition(pixels.count == count * pixelsPerImage, "pixel count does not match labels")
        self.pixels = pixels
        self.labels = labels
        self.labelsSource = labelsSource
    }

    /// Loads an image file and a label file (each gzip or plain IDX) and pairs them.
    public static func load(images: String, labels: String) throws(NNFastError) -> Dataset {
        let imageArray = try IDXArray.load(images)
        let labelArray = try IDXArray.load(labels)
        return try Dataset(images: imageArray, imagesSource: images, labels: labelArray, labelsSource: labels)
    }

    /// The number of classes the labels imply: largest label + 1.
    public var impliedClassCount: Int {
        Int(labels.max() ?? -1) + 1
    }

    /// Fails, naming the label file, if any label is outside `0..<classCount`.
    public func checkLabels(classCount: Int) throws(NNFastError) {
        if let index = labels.firstIndex(where: { $0 >= classCount }) {
            throw NNFastError(labelsSource, "label \(labels[index]) at index \(index) is outside the network's class range 0...\(classCount - 1)")
        }
    }

    /// Images `range` as a new dataset (used to hold out the validation split).
    public func slice(_ range: Range<Int>) -> Dataset {
        Dataset(imageShape: imageShape,
                pixels: Array(pixels[(range.lowerBound * pixelsPerImage)..<(range.upperBound * pixelsPerImage)]),
                labels: Array(labels[range]), labelsSource: labelsSource)
    }

    /// Writes images `indices` into the rows of `workspace` from `firstRow` on, as Float
    /// `pixel · scale + offset` (the model's normalization; 1/255 and 0 by default), with
    /// their labels.
    func gather<C: Collection<Int>>(_ indices: C, into workspace: NetworkWorkspace, firstRow: Int = 0,
                                    scale: Float = 1.0 / 255.0, offset: Float = 0) {
        let width = pixelsPerImage
        let input = workspace.input
        precondition(input.cols == width && firstRow + indices.count <= workspace.capacity)
        pixels.withUnsafeBufferPointer { source in
            var row = firstRow
            for index in indices {
                convertPixels(UnsafeBufferPointer(rebasing: source[index * width..<(index + 1) * width]),
                              scale: scale, offset: offset, into: input.rows(row..<row + 1))
                workspace.labels[row] = labels[index]
                row += 1
            }
        }
    }

    /// Asks the caches for images `indices` (their pixels and labels) ahead of a `gather`: a
    /// training step prefetches the next batch, whose random images would otherwise come from
    /// memory one miss after another while the gather waits.
    func prefetch<C: Collection<Int>>(_ indices: C) {
        let width = pixelsPerImage
        pixels.withUnsafeBufferPointer { source in
            labels.withUnsafeBufferPointer { labelValues in
                for index in indices {
                    prefetchForRead(UnsafeBufferPointer(rebasing: source[index * width..<(index + 1) * width]))
                    prefetchForRead(UnsafeBufferPointer(rebasing: labelValues[index..<(index + 1)]))
                }
            }
        }
    }
}
