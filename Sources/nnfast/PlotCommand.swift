import ArgumentParser
import Foundation
import NNFast

/// `nnfast plot`: training curves from a `--metrics` log, as an SVG.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw the training curves of a --metrics log (JSON Lines) as an SVG.",
        discussion: "Validation and test accuracy per epoch above, training loss below, the best validation epoch marked."
    )

    @Argument(help: "A metrics log written by `nnfast train --metrics`.")
    var metrics: String

    @Option(name: [.customShort("o"), .long], help: "The SVG file to write.")
    var output: String

    @Option(help: "Title above the curves (default: the log's file name).")
    var title: String?

    func run() throws {
        let (points, best) = try TrainingCurves.load(metrics: metrics)
        let curves = TrainingCurves(points: points, title: title ?? URL(fileURLWithPath: metrics).lastPathComponent,
                                    bestEpoch: best)
        try FileBytes.writeAtomically(Array(curves.svg().utf8), to: output)
    }
}
