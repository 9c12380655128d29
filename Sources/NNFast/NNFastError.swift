/// A user-facing failure: which file (or option) is wrong, and what is wrong with it.
/// `description` is the single line the command line prints.
public struct NNFastError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable {
        /// A bad option or option combination (the command line exits 64, EX_USAGE).
        case usage
        /// A bad, missing or unreadable input file (the command line exits 1).
        case input
        /// A training run that failed on its own terms: its loss diverged (exit 3).
        case training
    }

    public let kind: Kind
    /// The file (or option) at fault, when there is one.
    public let subject: String?
    public let message: String

    /// An input error about `subject` (usually a file path).
    public init(_ subject: String?, _ message: String) {
        self.init(kind: .input, subject: subject, message: message)
    }

    public init(kind: Kind, subject: String?, message: String) {
        self.kind = kind
        self.subject = subject
        self.message = message
    }

    /// A usage error about a command-line option.
    public static func usage(_ option: String, _ message: String) -> NNFastError {
        NNFastError(kind: .usage, subject: option, message: message)
    }

    public var description: String {
        if let subject { return "\(subject): \(message)" }
        return message
    }
}
