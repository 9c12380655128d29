import ArgumentParser
import Foundation
import NNFast

/// `nnfast bench`: profile the kernels on this machine.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Profile the kernels on this machine: GEMM, elementwise, and a training step by phase.",
        discussion: """
            Peak: the machine's FP32 peak is measured, not assumed — a register-only loop of \
            independent SIMD FMAs on 1 and on N threads. '% peak' is GFLOP/s over that. \
            Times are the best of 5 samples of ≥ 20 ms each. Build with -c release.
            """
    )

    @Option(help: "Threads for the multi-threaded rows (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Layer sizes of the network whose shapes and training step are profiled.")
    var layers = LayerSizes([784, 100, 200, 10])

    @Flag(help: "Skip the 2048³ GEMM and profile fewer steps.")
    var quick = false

    @Option(help: "Only run the benchmarks whose name contains this text (e.g. 'gemm 1024', 'b32', 'sigmoid', 'step').")
    var filter: String?

    @Flag(help: "Print the results as one JSON object on stdout.")
    var json = false

    func run() throws {
        guard threads >= 1 else { throw NNFastError.usage("--threads", "must be at least 1, found \(threads)") }
        guard layers.sizes.count >= 2, layers.sizes.allSatisfy({ $0 > 0 }) else {
            throw NNFastError.usage("--layers", "needs at least two positive sizes")
        }
        let peak = MachinePeak.measure(threads: threads)
        let threadCounts = threads > 1 ? [1, threads] : [1]
        var results: [BenchmarkResult] = []
        let log: (String) -> Void = { line in if !json { print(line); fflush(nil) } }

        log("peak (FMA probe): \(fixed(peak.singleThreadGFLOPS, 1)) GFLOP/s on 1 thread, "
            + "\(fixed(peak.allThreadsGFLOPS, 1)) GFLOP/s on \(threads)")
        log("")
        log(header())
        let selected: (String) -> Bool = { name in filter.map { name.contains($0) } ?? true }
        for shape in KernelBenchmarks.squareShapes(quick ? [128, 256, 512, 1024] : [128, 192, 256, 512, 1024, 2048]) where selected(shape.name) {
            for count in threadCounts {
                let result = KernelBenchmarks.gemmBenchmark(shape, threads: count, peak: peak)
                results.append(result)
                log(row(result))
            }
        }
        for batch in [32, 256] {
            for shape in KernelBenchmarks.mlpShapes(layers: layers.sizes, batch: batch) where selected("b\(batch) " + shape.name) {
                for count in threadCounts {
                    let result = KernelBenchmarks.gemmBenchmark(shape, threads: count, split: .pool, peak: peak)
                    results.append(result.relabeled(group: "mlp-b\(batch)", kernel: "b\(batch) " + result.kernel))
                    log(row(results[results.count - 1]))
                }
            }
        }
        log("")
        log("kernel".padding(toLength: 36, withPad: " ", startingAt: 0) + "shape".padding(toLength: 12, withPad: " ", startingAt: 0)
            + "time".leftPadded(to: 11) + "GB/s".leftPadded(to: 9))
        for result in KernelBenchmarks.elementwise(selected: selected) {
            results.append(result)
            log(result.kernel.padding(toLength: 36, withPad: " ", startingAt: 0)
                + result.shape.padding(toLength: 12, withPad: " ", startingAt: 0)
                + duration(result.seconds).leftPadded(to: 11) + fixed(result.gigabytesPerSecond ?? 0, 1).leftPadded(to: 9))
        }
        var steps: [[String: Any]] = []
        let name = layers.sizes.map(String.init).joined(separator: "-")
        for batch in [32, 256] where selected("step b\(batch)") {
            for count in threadCounts {
                let stepCount = (quick ? 400 : 2000) * 32 / batch
                let profile = KernelBenchmarks.trainingStep(layers: layers.sizes, batch: batch, threads: count, steps: stepCount)
                let table = ProfileTable(profile: profile, peak: peak, threads: count)
                var entry = table.json
                entry["batch"] = batch
                entry["epoch_seconds_50000"] = table.microsecondsPerStep * 1e-6 * 50_000 / Double(batch)
                steps.append(entry)
                log("")
                log(table.render(title: "training step \(name), batch \(batch), \(count) thread\(count == 1 ? "" : "s")"
                    + " → \(fixed(table.microsecondsPerStep * 1e-6 * 50_000 / Double(batch), 3)) s per 50,000-sample epoch"))
            }
        }
        var augmentation: [String: Any] = [:]
        if selected("augment") {
            // The cost of distorting each image on the fly, inside the real step: the wide
            // network at batch 128 on every thread, the three kinds alternated three times.
            let wide = [784, 800, 800, 10], batch = 128, count = threadCounts.last ?? 1
            var perStep: [AugmentationSettings.Kind: [Double]] = [:]
            for _ in 0..<3 {
                for kind in AugmentationSettings.Kind.allCases {
                    let profile = KernelBenchmarks.trainingStep(layers: wide, batch: batch, threads: count,
                                                                steps: quick ? 40 : 150, augmentation: AugmentationSettings(kind))
                    perStep[kind, default: []].append(ProfileTable(profile: profile, peak: nil, threads: count).microsecondsPerStep)
                }
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            let plain = median(perStep[.none]!)
            log("")
            log("augmentation in the training step, 784-800-800-10, batch \(batch), \(count) thread\(count == 1 ? "" : "s") (median of 3, alternated):")
            for kind in AugmentationSettings.Kind.allCases {
                let value = median(perStep[kind]!)
                log("  " + kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0) + fixed(value, 1).leftPadded(to: 9)
                    + " µs/step" + (kind == .none ? "" : "  \(fixed(value / plain, 2))× the plain step"))
                augmentation[kind.rawValue] = ["microseconds_per_step": value, "ratio": value / plain]
            }
        }
        if json {
            let encoded = try JSONEncoder().encode(results)
            let resultArray = try JSONSerialization.jsonObject(with: encoded)
            let object: [String: Any] = [
                "peak": ["single_thread_gflops": peak.singleThreadGFLOPS, "threads": peak.threads,
                         "all_threads_gflops": peak.allThreadsGFLOPS],
                "results": resultArray, "training_steps": steps, "augmentation": augmentation,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    private func header() -> String {
        "kernel".padding(toLength: 30, withPad: " ", startingAt: 0)
            + "shape".padding(toLength: 22, withPad: " ", startingAt: 0)
            + "thr".leftPadded(to: 4) + "time".leftPadded(to: 11) + "GFLOP/s".leftPadded(to: 9) + "% peak".leftPadded(to: 8)
    }

    private func row(_ result: BenchmarkResult) -> String {
        result.kernel.padding(toLength: 30, withPad: " ", startingAt: 0)
            + result.shape.padding(toLength: 22, withPad: " ", startingAt: 0)
            + String(result.threads).leftPadded(to: 4) + duration(result.seconds).leftPadded(to: 11)
            + fixed(result.gflops ?? 0, 1).leftPadded(to: 9) + fixed(result.percentOfPeak ?? 0, 1).leftPadded(to: 8)
    }
}

/// A duration with a unit that keeps 3 significant digits readable.
func duration(_ seconds: Double) -> String {
    if seconds >= 1 { return fixed(seconds, 3) + " s" }
    if seconds >= 1e-3 { return fixed(seconds * 1e3, 2) + " ms" }
    return fixed(seconds * 1e6, 1) + " µs"
}
