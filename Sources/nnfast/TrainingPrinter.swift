import Foundation
import NNFast

/// What `nnfast train` shows: a header, a live progress bar on stderr when it is a terminal,
/// and one result line per epoch on stdout (plain lines when not on a terminal, e.g. in CI logs).
final class TrainingPrinter {
    let options: TrainingOptions
    let quiet: Bool
    private var lastDraw = Date.distantPast

    init(options: TrainingOptions, quiet: Bool) {
        self.options = options
        self.quiet = quiet
    }

    /// The preset's flags, so the run says what it does and how to change it.
    func preset(_ preset: TrainingPreset, overriddenBy flags: [String]) {
        guard !quiet else { return }
        print("preset \(preset.rawValue): \(preset.flags)" + (flags.isEmpty ? "" : " (overridden: \(flags.joined(separator: " ")))"))
    }

    func resuming(_ file: String, fromEpoch epoch: Int) {
        guard !quiet else { return }
        print("resuming \(file) at epoch \(epoch), with its recipe")
    }

    func start(network: Network, folder: String, loadSeconds: Double,
               trainCount: Int, validationCount: Int, testCount: Int) {
        guard !quiet else { return }
        let layers = network.sizes.map(String.init).joined(separator: "-")
        print("nnfast: \(layers) \(options.activation.rawValue)/\(options.resolvedOutputActivation.rawValue), "
              + "\(options.loss.rawValue), \(options.initializer.rawValue) init, "
              + "\(grouped(network.parameterCount)) parameters")
        print("data: \(folder) (loaded in \(fixed(loadSeconds, 2)) s): \(grouped(trainCount)) train, "
              + "\(grouped(validationCount)) validation, \(grouped(testCount)) test")
        print("\(options.optimizer.summary): lr \(options.learningRate), \(options.schedule.summary), batch \(options.batchSize), "
              + "\(options.epochs) epoch\(options.epochs == 1 ? "" : "s"), keep \(options.resolvedKeep.rawValue)"
              + (options.patience.map { ", patience \($0)" } ?? "")
              + ", seed \(options.seed), \(options.resolvedThreads) thread\(options.resolvedThreads == 1 ? "" : "s")"
              + (options.threads == 0 ? " (auto)" : ""))
        if options.augmentation.isOn || options.labelSmoothing > 0 || options.dropout.isOn {
            var parts = [options.augmentation.summary]
            if options.dropout.isOn { parts.append("dropout \(options.dropout.input) input, \(options.dropout.hidden) hidden") }
            if options.labelSmoothing > 0 { parts.append("label smoothing \(options.labelSmoothing)") }
            print("regularization: " + parts.joined(separator: ", "))
        }
        flushStandardOutput()
    }

    func handle(_ event: TrainingEvent) {
        guard !quiet else { return }
        switch event {
        case .progress(let epoch, let done, let total, let seconds):
            guard StandardError.isTerminal, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            let fraction = Double(done) / Double(max(total, 1))
            let width = 30
            let filled = Int(fraction * Double(width))
            let rate = Double(done) / max(seconds, 1e-9)
            let eta = Double(total - done) / max(rate, 1e-9)
            StandardError.write("\r\u{1B}[Kepoch \(epoch)/\(options.epochs) ["
                + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                + "] \(Int(fraction * 100))%  \(grouped(Int(rate))) samples/s  ETA \(fixed(eta, 1)) s")
        case .epochFinished(let report):
            if StandardError.isTerminal { StandardError.write("\r\u{1B}[K") }
            let epochWidth = String(options.epochs).count
            let epoch = String(report.epoch).leftPadded(to: epochWidth)
            var line = "epoch \(epoch)/\(options.epochs)  loss \(fixed(report.trainLoss, 4))"
            if let validation = report.validationAccuracy { line += "  val \(percent(validation))" }
            line += "  test \(percent(report.testAccuracy))  \(fixed(report.trainSeconds, 3)) s"
            line += "  (\(grouped(Int(report.samplesPerSecond))) samples/s, eval \(fixed(report.evaluationSeconds, 3)) s)"
            if report.isBest { line += "  *best" }
            print(line)
            flushStandardOutput()
        }
    }

    /// Erases a half-drawn progress bar (a run that stopped mid-epoch leaves one).
    func clearProgress() {
        if !quiet && StandardError.isTerminal { StandardError.write("\r\u{1B}[K") }
    }

    /// The last epoch's result, then which epoch the saved model holds.
    func finish(_ reports: [EpochReport], trainer: Trainer, out: String) {
        guard let last = reports.last else { return }
        let total = reports.reduce(0) { $0 + $1.trainSeconds }
        var line = "final: test \(percent(last.testAccuracy))"
        if let validation = last.validationAccuracy { line += ", val \(percent(validation))" }
        line += " after \(reports.count) epoch\(reports.count == 1 ? "" : "s")"
        if trainer.stoppedEarly { line += " (stopped early: no better validation for \(options.patience ?? 0) epochs)" }
        line += "; \(fixed(total, 2)) s training (\(fixed(total / Double(reports.count), 3)) s/epoch)"
        print(line)
        guard !quiet else { return }
        if options.resolvedKeep == .best, let best = trainer.best {
            print("saved: \(out): the best epoch, \(best.epoch) (val \(percent(best.validationAccuracy ?? 0)), "
                  + "test \(best.testAccuracy.isNaN ? "n/a" : percent(best.testAccuracy)))")
        } else {
            print("saved: \(out): the last epoch, \(last.epoch)")
        }
    }
}
