import Foundation
import NNFast

extension TrainCommand {
    /// After Ctrl-C or SIGTERM: write a checkpoint of where the run is (mid-epoch included),
    /// print the command that resumes it, and exit 130 — or say that nothing was trained yet.
    func saveInterrupted(_ trainer: Trainer, reports: [EpochReport], metadata: [String: String], folder: String) throws {
        let where_ = trainer.partialEpoch.map { "epoch \($0.epoch), after step \($0.stepsDone) of \(trainer.stepsPerEpoch)" }
            ?? "the end of epoch \(trainer.epochsCompleted)"
        let trainedNothing = reports.isEmpty && trainer.partialEpoch == nil
        if trainedNothing {
            StandardError.writeLine("nnfast: stopped before the first step; nothing to save (\(out) untouched)")
        } else {
            try trainer.modelFile(after: reports.last, metadata: metadata, precision: precision).save(to: out)
            StandardError.writeLine("nnfast: stopped at \(where_); checkpoint saved to \(out)")
        }
        if resume != nil || !trainedNothing {
            StandardError.writeLine("nnfast: resume with: \(resumeCommand(planned: trainer.options.epochs))")
        }
        flushStandardOutput()
        Foundation.exit(130)
    }

    /// The exact command that continues this run from `--out`.
    func resumeCommand(planned epochs: Int) -> String {
        var words = ["nnfast", "train", "--resume", out, "--out", out]
        if let data { words += ["--data", data] }
        words += ["--epochs", String(epochs)]
        if threads != .automatic { words += ["--threads", threads.description] }
        if precision != .float32 { words += ["--precision", precision.rawValue] }
        if quiet { words.append("--quiet") }
        return words.map(shellQuoted).joined(separator: " ")
    }
}

/// A word as a POSIX shell reads it back unchanged.
func shellQuoted(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
