import ArgumentParser
import Foundation
import NNFast

/// `nnfast`: train and use multilayer perceptrons on MNIST-style IDX data.
struct NNFastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nnfast",
        abstract: "Train multilayer perceptrons on MNIST-style IDX data, fast.",
        discussion: """
            Exit codes: 0 success; 1 a bad, missing or unreadable input file (or an unwritable \
            output); 3 training diverged; 64 a bad option (usage error); 130 training stopped by \
            Ctrl-C or SIGTERM, after saving a checkpoint to resume from.
            """,
        version: nnfastVersion,
        subcommands: [TrainCommand.self, PredictCommand.self, EvalCommand.self, InfoCommand.self, BenchCommand.self, PlotCommand.self],
        defaultSubcommand: nil
    )
}

/// The version written into model files and shown by `--version`.
let nnfastVersion = "0.4.0"

@main
enum Main {
    static func main() {
        do {
            var command = try NNFastCommand.parseAsRoot()
            try command.run()
        } catch let error as NNFastError {
            // Our own errors are already one line that names the file or option.
            StandardError.writeLine("nnfast: error: \(error)")
            exit(error.kind == .usage ? 64 : error.kind == .training ? 3 : 1)
        } catch let code as ExitCode where code != .success {
            // A command that has already reported its failures (e.g. predict, per image).
            exit(code.rawValue)
        } catch {
            // --help and --version arrive as errors with exit code 0: let the parser print them.
            let code = NNFastCommand.exitCode(for: error)
            guard code != .success else { NNFastCommand.exit(withError: error) }
            // A parser error (unknown flag, bad value) as one line too, like ours: its first
            // line names the flag and the valid values; the help and usage lines follow in --help.
            let message = NNFastCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            StandardError.writeLine("nnfast: error: \(message)")
            exit(code.rawValue)
        }
    }
}
