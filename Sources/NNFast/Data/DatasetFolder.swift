import Dispatch
import Foundation

/// A folder in the MNIST layout: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally `.gz`.
public struct DatasetFolder: Sendable {
    public let train: Dataset
    public let test: Dataset

    static let fileStems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    /// Loads the four files of `folder`, inflating them in parallel (the two image files
    /// dominate: ~0.1 s and ~0.02 s of zlib time).
    public static func load(_ folder: String) throws(NNFastError) -> DatasetFolder {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw NNFastError(folder, "no such data folder")
        }
        guard isDirectory.boolValue else { throw NNFastError(folder, "is a file, not a data folder") }
        let paths = try fileStems.map { (stem) throws(NNFastError) -> String in
            try locate(stem, in: folder)
        }
        let results = _LoadResults(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            results.set(index, Result { () throws(NNFastError) -> IDXArray in try IDXArray.load(paths[index]) })
        }
        let arrays = try results.values.map { (result) throws(NNFastError) -> IDXArray in try result!.get() }
        let train = try Dataset(images: arrays[0], imagesSource: paths[0], labels: arrays[1], labelsSource: paths[1])
        let test = try Dataset(images: arrays[2], imagesSource: paths[2], labels: arrays[3], labelsSource: paths[3])
        guard train.imageShape == test.imageShape else {
            throw NNFastError(paths[2], "test images are \(test.imageShape) but training images are \(train.imageShape)")
        }
        return DatasetFolder(train: train, test: test)
    }

    /// The path of `stem.gz` or `stem` in `folder`, preferring the compressed file.
    static func locate(_ stem: String, in folder: String) throws(NNFastError) -> String {
        let base = (folder as NSString).appendingPathComponent(stem)
        for candidate in [base + ".gz", base] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw NNFastError(folder, "missing \(stem).gz (or uncompressed \(stem))")
    }
}

/// Per-file results written from `concurrentPerform`: each iteration writes only its own slot,
/// under a lock.
private final class _LoadResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<IDXArray, NNFastError>?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<IDXArray, NNFastError>) {
        lock.lock()
        values[index] = result
        lock.unlock()
    }
}
