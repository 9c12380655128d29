import Foundation

/// Whole-file reads and atomic whole-file writes, with errors that name the file.
public enum FileBytes {
    /// The contents of the file at `path`, or a one-line error (missing, a folder, unreadable,
    /// larger than `maximumBytes`).
    public static func read(_ path: String, maximumBytes: Int = InputLimits.fileBytes) throws(NNFastError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NNFastError(path, "no such file")
        }
        guard !isDirectory.boolValue else { throw NNFastError(path, "is a folder, not a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw NNFastError(path, "cannot open for reading (permission denied?)")
        }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if let size, size > maximumBytes {
            throw NNFastError(path, "is \(size) bytes, more than the \(maximumBytes) nnfast accepts for it; refusing")
        }
        return try read(handle, name: path, maximumBytes: maximumBytes, expectedSize: size ?? 0)
    }

    /// Everything `handle` yields until its end (a file, or a pipe such as standard input),
    /// refusing more than `maximumBytes` as soon as it arrives.
    public static func read(_ handle: FileHandle, name: String, maximumBytes: Int, expectedSize: Int = 0) throws(NNFastError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(expectedSize, maximumBytes))
        do {
            while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty {
                guard chunk.count <= maximumBytes - bytes.count else {
                    throw NNFastError(name, "is larger than \(maximumBytes) bytes; refusing")
                }
                bytes.append(contentsOf: chunk)
            }
        } catch let error as NNFastError {
            throw error
        } catch {
            throw NNFastError(name, "read failed: \(error.localizedDescription)")
        }
        return bytes
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
