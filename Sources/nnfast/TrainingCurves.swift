import Foundation
import NNFast

/// Per-epoch training curves as a standalone SVG: validation and test accuracy on top, training
/// loss below, the best validation epoch marked in both. Plain SVG 1.1 (no scripts, no CSS
/// beyond presentation attributes), so browsers and image viewers alike draw it.
struct TrainingCurves {
    struct Point {
        let epoch: Int
        let trainLoss: Double
        let validationAccuracy: Double?
        let testAccuracy: Double
    }

    let points: [Point]
    let title: String
    /// The epoch to mark: the saved (best validation) one, if any.
    let bestEpoch: Int?

    init(points: [Point], title: String, bestEpoch: Int?) {
        self.points = points
        self.title = title
        self.bestEpoch = bestEpoch
    }

    init(reports: [EpochReport], title: String, bestEpoch: Int?) {
        self.init(points: reports.map { Point(epoch: $0.epoch, trainLoss: $0.trainLoss,
                                              validationAccuracy: $0.validationAccuracy, testAccuracy: $0.testAccuracy) },
                  title: title, bestEpoch: bestEpoch)
    }

    // Layout, in SVG user units.
    private let width = 900.0, height = 640.0
    private let left = 80.0, right = 30.0
    private let accuracyTop = 70.0, accuracyBottom = 370.0
    private let lossTop = 420.0, lossBottom = 590.0
    private let validationColor = "#1f77b4", testColor = "#d62728", lossColor = "#2ca02c", bestColor = "#555555"

    /// The drawing, layer by layer: header, accuracy panel, loss panel, best epoch, legend.
    func svg() -> String {
        var out = header()
        guard !points.isEmpty else {
            out.append(text("no epochs", x: width / 2, y: height / 2, size: 16, anchor: "middle"))
            return (out + ["</svg>"]).joined(separator: "\n") + "\n"
        }
        let epochs = (points.map(\.epoch).min()!, points.map(\.epoch).max()!)
        let xScale = Axis(low: Double(epochs.0), high: Double(max(epochs.1, epochs.0 + 1)), integer: true)
        let accuracyAxis = accuracyPanel(xScale, into: &out)
        lossPanel(xScale, into: &out)
        bestEpochMark(xScale, accuracyAxis: accuracyAxis, into: &out)
        legend(into: &out)
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// The XML header, the white page, the panels' clip paths and the title.
    private func header() -> [String] {
        var out: [String] = []
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
                   + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">")
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
        out.append("<defs>")
        for (name, top, bottom) in [("accuracy", accuracyTop, accuracyBottom), ("loss", lossTop, lossBottom)] {
            out.append("<clipPath id=\"\(name)\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(width - right - left))\" "
                       + "height=\"\(f(bottom - top))\"/></clipPath>")
        }
        out.append("</defs>")
        out.append(text(title, x: width / 2, y: 32, size: 18, anchor: "middle", weight: "bold"))
        return out
    }

    /// Validation and test accuracy, in percent; returns the panel's axis.
    private func accuracyPanel(_ xScale: Axis, into out: inout [String]) -> Axis {
        // From the 10th percentile: the first epochs' low accuracies would squash the rest; their
        // lines run off the panel's bottom edge (clipped).
        let accuracies = points.flatMap { [$0.testAccuracy] + ($0.validationAccuracy.map { [$0] } ?? []) }.map { 100 * $0 }.sorted()
        let accuracyAxis = Axis(low: accuracies[accuracies.count / 10], high: accuracies.last!, integer: false, padding: 0.08)
        out += panel(yAxis: accuracyAxis, xAxis: xScale, top: accuracyTop, bottom: accuracyBottom,
                     yLabel: "accuracy (%)", xLabel: nil)
        if points.contains(where: { $0.validationAccuracy != nil }) {
            out.append(polyline(points.compactMap { p in p.validationAccuracy.map { (Double(p.epoch), 100 * $0) } },
                                x: xScale, y: accuracyAxis, top: accuracyTop, bottom: accuracyBottom, color: validationColor,
                                clip: "accuracy"))
        }
        out.append(polyline(points.map { (Double($0.epoch), 100 * $0.testAccuracy) },
                            x: xScale, y: accuracyAxis, top: accuracyTop, bottom: accuracyBottom, color: testColor,
                            clip: "accuracy"))
        return accuracyAxis
    }

    private func lossPanel(_ xScale: Axis, into out: inout [String]) {
        let losses = points.map(\.trainLoss).filter(\.isFinite)
        let lossAxis = Axis(low: 0, high: max(losses.max() ?? 1, 1e-9), integer: false, padding: 0.05, padBelow: false)
        out += panel(yAxis: lossAxis, xAxis: xScale, top: lossTop, bottom: lossBottom, yLabel: "train loss", xLabel: "epoch")
        out.append(polyline(points.filter { $0.trainLoss.isFinite }.map { (Double($0.epoch), $0.trainLoss) },
                            x: xScale, y: lossAxis, top: lossTop, bottom: lossBottom, color: lossColor, clip: "loss"))
    }

    /// The best epoch: a dashed line through both panels and its accuracies.
    private func bestEpochMark(_ xScale: Axis, accuracyAxis: Axis, into out: inout [String]) {
        guard let bestEpoch, let best = points.first(where: { $0.epoch == bestEpoch }) else { return }
        let bx = xScale.position(Double(bestEpoch), from: left, to: width - right)
        out.append("<line x1=\"\(f(bx))\" y1=\"\(f(accuracyTop))\" x2=\"\(f(bx))\" y2=\"\(f(lossBottom))\" "
                   + "stroke=\"\(bestColor)\" stroke-width=\"1\" stroke-dasharray=\"5,4\"/>")
        var label = "best epoch \(bestEpoch)"
        if let validation = best.validationAccuracy {
            let vy = accuracyAxis.position(100 * validation, from: accuracyBottom, to: accuracyTop)
            out.append("<circle cx=\"\(f(bx))\" cy=\"\(f(vy))\" r=\"4.5\" fill=\"\(validationColor)\"/>")
            label += ": val \(String(format: "%.2f", 100 * validation))%"
        }
        let ty = accuracyAxis.position(100 * best.testAccuracy, from: accuracyBottom, to: accuracyTop)
        out.append("<circle cx=\"\(f(bx))\" cy=\"\(f(ty))\" r=\"4.5\" fill=\"\(testColor)\"/>")
        label += ", test \(String(format: "%.2f", 100 * best.testAccuracy))%"
        let anchorRight = bx > (left + width - right) / 2
        out.append(text(label, x: bx + (anchorRight ? -8 : 8), y: accuracyTop + 18, size: 13,
                        anchor: anchorRight ? "end" : "start", color: bestColor))
    }

    /// The legend, bottom right of the accuracy panel.
    private func legend(into out: inout [String]) {
        var legend: [(String, String)] = []
        if points.contains(where: { $0.validationAccuracy != nil }) { legend.append(("validation accuracy", validationColor)) }
        legend += [("test accuracy", testColor), ("train loss (lower panel)", lossColor)]
        let legendX = width - right - 215, legendY = accuracyBottom - 16 - 20 * Double(legend.count)
        out.append("<rect x=\"\(f(legendX - 10))\" y=\"\(f(legendY - 14))\" width=\"215\" height=\"\(f(20 * Double(legend.count) + 8))\" "
                   + "fill=\"white\" fill-opacity=\"0.9\" stroke=\"#cccccc\"/>")
        for (index, (name, color)) in legend.enumerated() {
            let y = legendY + 20 * Double(index)
            out.append("<line x1=\"\(f(legendX))\" y1=\"\(f(y - 4))\" x2=\"\(f(legendX + 24))\" y2=\"\(f(y - 4))\" stroke=\"\(color)\" stroke-width=\"2.5\"/>")
            out.append(text(name, x: legendX + 32, y: y, size: 13))
        }
    }

    /// Frame, grid lines, tick labels and axis titles of one panel.
    private func panel(yAxis: Axis, xAxis: Axis, top: Double, bottom: Double, yLabel: String, xLabel: String?) -> [String] {
        var out: [String] = []
        let x0 = left, x1 = width - right
        for tick in yAxis.ticks {
            let y = yAxis.position(tick, from: bottom, to: top)
            out.append("<line x1=\"\(f(x0))\" y1=\"\(f(y))\" x2=\"\(f(x1))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\" stroke-width=\"1\"/>")
            out.append(text(yAxis.label(tick), x: x0 - 8, y: y + 4, size: 12, anchor: "end"))
        }
        for tick in xAxis.ticks {
            let x = xAxis.position(tick, from: x0, to: x1)
            out.append("<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\" stroke=\"#f0f0f0\" stroke-width=\"1\"/>")
            out.append(text(xAxis.label(tick), x: x, y: bottom + 18, size: 12, anchor: "middle"))
        }
        out.append("<rect x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(x1 - x0))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#333333\"/>")
        out.append("<text x=\"\(f(22))\" y=\"\(f((top + bottom) / 2))\" font-size=\"13\" text-anchor=\"middle\" "
                   + "transform=\"rotate(-90 \(f(22)) \(f((top + bottom) / 2)))\">\(escaped(yLabel))</text>")
        if let xLabel { out.append(text(xLabel, x: (x0 + x1) / 2, y: bottom + 40, size: 13, anchor: "middle")) }
        return out
    }

    private func polyline(_ values: [(Double, Double)], x: Axis, y: Axis, top: Double, bottom: Double, color: String,
                          clip: String) -> String {
        let coordinates = values.map { "\(f(x.position($0.0, from: left, to: width - right))),\(f(y.position($0.1, from: bottom, to: top)))" }
        let marker = values.count <= 40
            ? values.map { v in
                "<circle cx=\"\(f(x.position(v.0, from: left, to: width - right)))\" cy=\"\(f(y.position(v.1, from: bottom, to: top)))\" r=\"2.5\" fill=\"\(color)\"/>"
            }.joined(separator: "") : ""
        return "<g clip-path=\"url(#\(clip))\"><polyline points=\"\(coordinates.joined(separator: " "))\" fill=\"none\" "
            + "stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>" + marker + "</g>"
    }

    private func text(_ content: String, x: Double, y: Double, size: Int, anchor: String = "start",
                      weight: String = "normal", color: String = "#222222") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(color)\">\(escaped(content))</text>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// A linear axis over [low, high] widened to "nice" tick steps (1, 2, 5 × 10ᵏ, about 5-8 ticks).
struct Axis {
    let low: Double, high: Double, step: Double

    init(low: Double, high: Double, integer: Bool, padding: Double = 0, padBelow: Bool = true) {
        var (lo, hi) = (low, high)
        if hi - lo < 1e-12 { hi += 1; if padBelow { lo -= 1 } }
        let pad = (hi - lo) * padding
        if padBelow { lo -= pad }
        hi += pad
        let raw = (hi - lo) / 6
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        if integer { step = max(1, step.rounded()) }
        self.step = step
        self.low = integer ? lo : (lo / step).rounded(.down) * step
        self.high = integer ? hi : (hi / step).rounded(.up) * step
    }

    var ticks: [Double] {
        var values: [Double] = []
        var tick = (low / step).rounded(.up) * step
        while tick <= high + step * 1e-9 {
            values.append(tick)
            tick += step
        }
        return values
    }

    func position(_ value: Double, from start: Double, to end: Double) -> Double {
        start + (value - low) / (high - low) * (end - start)
    }

    func label(_ value: Double) -> String {
        let decimals = max(0, Int(-log10(step).rounded(.down)))
        return String(format: "%.\(decimals)f", value)
    }
}

extension TrainingCurves {
    /// The curves of a `--metrics` log (JSON Lines, one object per epoch); the best epoch is the
    /// last one marked `"best": true`, or, in logs from before that field, the first of the
    /// highest validation accuracy.
    static func load(metrics path: String) throws(NNFastError) -> (points: [Point], bestEpoch: Int?) {
        let bytes = try FileBytes.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw NNFastError(path, "is not UTF-8 text") }
        var points: [Point] = []
        var marked: Int?
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let epoch = object["epoch"] as? Int, let loss = (object["train_loss"] as? NSNumber)?.doubleValue,
                  let test = (object["test_accuracy"] as? NSNumber)?.doubleValue else {
                throw NNFastError(path, "line \(number + 1) is not an nnfast metrics record (epoch, train_loss, test_accuracy)")
            }
            let validation = (object["validation_accuracy"] as? NSNumber)?.doubleValue
            points.append(Point(epoch: epoch, trainLoss: loss, validationAccuracy: validation, testAccuracy: test))
            if object["best"] as? Bool == true { marked = epoch }
        }
        guard !points.isEmpty else { throw NNFastError(path, "has no epochs to plot") }
        if marked == nil, let best = points.filter({ $0.validationAccuracy != nil })
            .max(by: { $0.validationAccuracy! < $1.validationAccuracy! || ($0.validationAccuracy! == $1.validationAccuracy! && $0.epoch > $1.epoch) }) {
            marked = best.epoch
        }
        return (points, marked)
    }
}
