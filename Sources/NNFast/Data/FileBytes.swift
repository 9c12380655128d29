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

    /// Writes `bytes` to a temporary file beside `path`, flushes it to disk, renames it into
    /// place and flushes the folder, so neither a reader nor a crash (`kill -9`, power loss)
    /// ever sees a half-written file where a good one was: `path` holds the old bytes or the
    /// new ones. A failure (a full disk, a read-only folder) names `path` and leaves it as it was.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(NNFastError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let prefix = ".\(url.lastPathComponent).tmp-"
        removeAbandonedTemporaries(in: folder, prefix: prefix)
        let temporary = (folder as NSString).appendingPathComponent(prefix + String(getpid()))
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw NNFastError(path, "cannot write in \(folder): \(systemError())")
        }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count && failure == nil {
                let count = write(descriptor, buffer.baseAddress! + written, min(buffer.count - written, 1 << 30))
                if count > 0 { written += count } else if count < 0 && errno != EINTR { failure = "write failed: \(systemError())" }
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = "flushing to disk failed: \(systemError())" }
        if close(descriptor) != 0 && failure == nil { failure = "closing failed: \(systemError())" }
        if failure == nil && rename(temporary, path) != 0 { failure = "cannot rename the temporary file into place: \(systemError())" }
        if let failure {
            unlink(temporary)
            throw NNFastError(path, failure + "; the earlier file, if any, is unchanged")
        }
        // The rename itself is only durable once the folder is flushed.
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    /// Temporary files that a killed writer left behind (its process is gone).
    private static func removeAbandonedTemporaries(in folder: String, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink((folder as NSString).appendingPathComponent(name))
            }
        }
    }

    private static func systemError() -> String {
        let code = errno
        let text = String(cString: strerror(code))
        return code == ENOSPC ? text + " (the disk is full)" : text
    }
}
