import Foundation

/// Unbuffered writes to stderr, and whether it is a terminal (progress bars only there).
enum StandardError {
    static let isTerminal = isatty(STDERR_FILENO) == 1

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func writeLine(_ text: String) {
        write(text + "\n")
    }
}
