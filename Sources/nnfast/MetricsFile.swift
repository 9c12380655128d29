import Foundation
import NNFast

/// `--metrics FILE`: JSON Lines, truncated at the start of the run and flushed after each epoch
/// so a run that is stopped keeps every finished epoch.
final class MetricsFile {
    let path: String
    let handle: FileHandle

    init(path: String) throws(NNFastError) {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw NNFastError(path, "cannot create the metrics file")
        }
        self.handle = handle
    }

    func append(_ line: String) throws(NNFastError) {
        do {
            try handle.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            throw NNFastError(path, "cannot write metrics: \(error.localizedDescription)")
        }
    }
}
