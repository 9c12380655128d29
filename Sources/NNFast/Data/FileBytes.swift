import Foundation

/// Whole-file reads and atomic whole-file writes, with errors that name the file.
public enum FileBytes {
    /// The contents of the file at `path`, or a one-line error (missing, a folder, unreadable).
    public static func read(_ path: String) throws(NNFastError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NNFastError(path, "no such file")
        }
        guard !isDirectory.boolValue else { throw NNFastError(path, "is a folder, not a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw NNFastError(path, "cannot open for reading (permission denied?)")
        }
        defer { try? handle.close() }
        do {
            guard let data = try handle.readToEnd() else { return [] }
            return [UInt8](data)
        } catch {
            throw NNFastError(path, "read failed: \(error.localizedDescription)")
        }
    }

    /// Writes `bytes` to a temporary file beside `path`, flushes it, then renames it into place,
    /// so a reader (or a crash) never sees a half-written file where a good one was.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(NNFastError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw NNFastError(path, "cannot create a temporary file in \(url.deletingLastPathComponent().path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: Data(bytes))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                throw NNFastError(path, "cannot rename the temporary file into place: \(String(cString: strerror(errno)))")
            }
        } catch let error as NNFastError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw NNFastError(path, "write failed: \(error.localizedDescription)")
        }
    }
}
