import ArgumentParser
import Foundation
import NNFast

/// `nnfast bench`: profile the kernels on this machine.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Profile the kernels on this machine: GEMM, elementwise, and a training step by phase.",
        discussion: """
            Peak: the machine's FP32 peak is measured, not assumed — a register-only loop of 12 \
            independent FMA chains in the build's widest vectors (8 floats with AVX2, 16 with \
            AVX-512), on 1 and on N threads. '% peak' is GFLOP/s over that. When a kernel reads \
            above 100%, the probe runs again after the kernels (a probe that ran while another \
            process held a core reads low); a kernel above both readings means the probe is wrong \
            on this machine, and bench says so. Times are the best of 5 \
            samples of ≥ 20 ms each. The first line names the build's instruction set, GEMM tile \
            and the CPU. Build with -c release.
            """
    )

    @Option(help: ArgumentHelp("Threads for the multi-threaded rows: a number, or 'auto' (every core).", valueName: "n|auto"))
    var threads: ThreadCount = .automatic

    @Option(help: "Layer sizes of the network whose shapes and training step are profiled.")
    var layers = SizeList([784, 100, 200, 10])

    @Option(help: "Batch sizes whose layer shapes and training step are profiled (1 to \(Self.largestBatch)).")
    var batches = SizeList([32, 256])

    /// The largest batch: the step benchmark draws its batches from 50,000 synthetic images
    /// (`KernelBenchmarks.trainingStep`), which must hold one batch many times over.
    static let largestBatch = 2048

    @Flag(help: "Skip the 2048³ GEMM and profile fewer steps.")
    var quick = false

    @Option(help: "Only run the benchmarks whose name contains this text (e.g. 'gemm 1024', 'b32', 'sigmoid', 'step').")
    var filter: String?

    @Flag(help: "Print the results as one JSON object on stdout.")
    var json = false

    @Flag(help: "Under each square GEMM that takes the packed path (512³ and up), time each thread's phases: start (from the call to its first unit), pack B, pack A, multiply, wait (for units other threads hold), in ms per call.")
    var gemmPhases = false

    @Flag(help: "Time every thread's phases of the training step, not only thread 0's: a column per other thread (their clock reads add to the step's time, so it is off by default).")
    var everyThread = false

    func validate() throws {
        try validating { () throws(NNFastError) in
            guard layers.sizes.count >= 2, layers.sizes.allSatisfy({ $0 > 0 }) else {
                throw NNFastError.usage("--layers", "needs at least two positive sizes")
            }
            guard batches.sizes.allSatisfy({ (1...Self.largestBatch).contains($0) }) else {
                throw NNFastError.usage("--batches", "needs sizes from 1 to \(Self.largestBatch)")
            }
        }
    }

    /// The sections in order: peak, GEMM, elementwise kernels, training steps, augmentation;
    /// each prints its table as it goes (unless --json) and adds to the JSON report.
    func run() throws {
        let threads = self.threads.resolved
        log("kernels: \(KernelBuild.instructionSet) build, GEMM tile \(KernelBuild.gemmTile); CPU: \(KernelBuild.cpu)")
        let peak = MachinePeak.measure(threads: threads)
        log("peak (FMA probe, 12 chains of \(KernelBuild.probeVectorWidth) floats): "
            + "\(fixed(peak.singleThreadGFLOPS, 1)) GFLOP/s on 1 thread, \(fixed(peak.allThreadsGFLOPS, 1)) GFLOP/s on \(threads)")
        if peak.allThreadsLookBusy {
            log("note: in the probe each of the \(threads) threads ran at \(fixed(peak.allThreadsScaling, 2))× one thread's rate alone, "
                + "through a second of retries: another process holds part of a core, so the \(threads)-thread '% peak' "
                + "figures are against a busy machine's peak")
        }
        var results = gemmSection(peak: peak, threadCounts: threadCounts)
        results += elementwiseSection()
        let steps = trainingStepSection(peak: peak)
        let augmentation = selected("augment") ? augmentationSection() : [:]
        let (abovePeak, peakAfter) = checkAgainstPeak(peak, results: results, steps: steps)
        if json {
            var report: [String: Any] = [
                "build": ["instruction_set": KernelBuild.instructionSet, "gemm_tile": KernelBuild.gemmTile,
                          "probe_vector_width": KernelBuild.probeVectorWidth, "cpu": KernelBuild.cpu],
                "peak": peak.json,
                "above_peak": abovePeak,
                "results": try JSONSerialization.jsonObject(with: try JSONEncoder().encode(results)),
                "training_steps": steps, "augmentation": augmentation,
            ]
            if let peakAfter { report["peak_after_kernels"] = peakAfter.json }
            try printJSON(report)
        }
    }

    /// The kernels measured above 100% of the machine's peak: none, unless the probe is wrong for
    /// this machine (then every '% peak' is too). Reported on stderr and in the JSON.
    ///
    /// On a shared host the first probe can run while another process holds part of a core and
    /// read low for minutes; kernels timed in a quieter moment then read above it, which says
    /// nothing about the probe's method. So when any kernel reads above the first probe, the probe
    /// runs again after the kernels, and only a kernel above the better of the two readings is
    /// reported as above the peak; the others get a note. Returns those kernels and the second
    /// reading (nil when none was needed).
    private func checkAgainstPeak(_ peak: MachinePeak, results: [BenchmarkResult],
                                  steps: [[String: Any]]) -> (above: [String], peakAfter: MachinePeak?) {
        let aboveFirst = kernelsAbove(peak, results: results, steps: steps)
        guard !aboveFirst.isEmpty else { return ([], nil) }
        let after = MachinePeak.measure(threads: peak.threads)
        let above = kernelsAbove(peak.best(after), results: results, steps: steps)
        let explained = aboveFirst.count - above.count
        if explained > 0 {
            StandardError.writeLine("note: \(explained) kernel(s) read above the first probe's peak but not above a second probe's, "
                + "run after the kernels (\(fixed(after.singleThreadGFLOPS, 1)) GFLOP/s on 1 thread, "
                + "\(fixed(after.allThreadsGFLOPS, 1)) on \(after.threads)): the machine was busier while the first probe ran; "
                + "the '% peak' figures above are against the first")
        }
        for line in above { StandardError.writeLine("warning: above the measured peak (the probe is wrong here): \(line)") }
        return (above, after)
    }

    /// Each kernel and training step above 100% of `peak`, as "name on N thread(s): P%".
    private func kernelsAbove(_ peak: MachinePeak, results: [BenchmarkResult], steps: [[String: Any]]) -> [String] {
        var above: [String] = []
        for result in results {
            guard let gflops = result.gflops else { continue }
            let percent = 100 * gflops / peak.gflops(threads: result.threads)
            if percent > 100 { above.append("\(result.kernel) on \(result.threads) thread(s): \(fixed(percent, 1))%") }
        }
        for step in steps {
            guard let gflops = step["gflops"] as? Double, let threads = step["threads"] as? Int else { continue }
            let percent = 100 * gflops / peak.gflops(threads: threads)
            if percent > 100 { above.append("training step b\(step["batch"] ?? "?") on \(threads) thread(s): \(fixed(percent, 1))%") }
        }
        return above
    }

    /// 1 and every thread (just 1 on a one-core run).
    private var threadCounts: [Int] { threads.resolved > 1 ? [1, threads.resolved] : [1] }

    private func selected(_ name: String) -> Bool { filter.map { name.contains($0) } ?? true }

    private func log(_ line: String) {
        guard !json else { return }
        print(line)
        flushStandardOutput()
    }

    /// Square GEMMs (forked over tiles), then the network's own shapes at each batch size (split
    /// over the worker pool by rows, as the training step does).
    private func gemmSection(peak: MachinePeak, threadCounts: [Int]) -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        log("")
        log(header())
        for shape in KernelBenchmarks.squareShapes(quick ? [128, 256, 512, 1024] : [128, 192, 256, 512, 1024, 2048]) where selected(shape.name) {
            for count in threadCounts {
                results.append(KernelBenchmarks.gemmBenchmark(shape, threads: count, peak: peak, phases: gemmPhases))
                log(row(results[results.count - 1]))
                if gemmPhases { phaseRows(results[results.count - 1]).forEach(log) }
            }
        }
        for batch in batches.sizes {
            for shape in KernelBenchmarks.mlpShapes(layers: layers.sizes, batch: batch) where selected("b\(batch) " + shape.name) {
                for count in threadCounts {
                    let result = KernelBenchmarks.gemmBenchmark(shape, threads: count, split: .pool, peak: peak)
                    results.append(result.relabeled(group: "mlp-b\(batch)", kernel: "b\(batch) " + result.kernel))
                    log(row(results[results.count - 1]))
                }
            }
        }
        return results
    }

    private func elementwiseSection() -> [BenchmarkResult] {
        log("")
        log("kernel".rightPadded(to: 36) + "shape".rightPadded(to: 12) + "time".leftPadded(to: 11) + "GB/s".leftPadded(to: 9))
        let results = KernelBenchmarks.elementwise(selected: selected)
        for result in results {
            log(result.kernel.rightPadded(to: 36) + result.shape.rightPadded(to: 12)
                + duration(result.seconds).leftPadded(to: 11) + fixed(result.gigabytesPerSecond ?? 0, 1).leftPadded(to: 9))
        }
        return results
    }

    /// The whole training step of the network at each batch size, by phase and layer.
    private func trainingStepSection(peak: MachinePeak) -> [[String: Any]] {
        var steps: [[String: Any]] = []
        let name = layers.sizes.map(String.init).joined(separator: "-")
        for batch in batches.sizes where selected("step b\(batch)") {
            for count in threadCounts {
                let stepCount = (quick ? 400 : 2000) * 32 / batch
                let profile = KernelBenchmarks.trainingStep(layers: layers.sizes, batch: batch, threads: count, steps: stepCount,
                                                            everyThread: everyThread)
                let table = ProfileTable(profile: profile, peak: peak, threads: count)
                let epochSeconds = table.microsecondsPerStep * 1e-6 * 50_000 / Double(batch)
                var entry = table.json
                entry["batch"] = batch
                entry["epoch_seconds_50000"] = epochSeconds
                steps.append(entry)
                log("")
                log(table.render(title: "training step \(name), batch \(batch), \(count) thread\(count == 1 ? "" : "s")"
                    + " → \(fixed(epochSeconds, 3)) s per 50,000-sample epoch"))
            }
        }
        return steps
    }

    /// The cost of distorting each image on the fly, inside the real step: the wide network at
    /// batch 128 on every thread, the three kinds alternated three times.
    private func augmentationSection() -> [String: Any] {
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
        var augmentation: [String: Any] = [:]
        for kind in AugmentationSettings.Kind.allCases {
            let value = median(perStep[kind]!)
            log("  " + kind.rawValue.rightPadded(to: 10) + fixed(value, 1).leftPadded(to: 9)
                + " µs/step" + (kind == .none ? "" : "  \(fixed(value / plain, 2))× the plain step"))
            augmentation[kind.rawValue] = ["microseconds_per_step": value, "ratio": value / plain]
        }
        return augmentation
    }

    /// One line per worker of a `--gemm-phases` result: ms per call of each phase, and their sum.
    private func phaseRows(_ result: BenchmarkResult) -> [String] {
        guard let workers = result.phasesPerWorker else { return ["  (unpacked path: phases not timed)"] }
        return workers.enumerated().map { worker, phases in
            let parts = GEMMPhaseTimes.Phase.allCases.map { "\($0.name) \(fixed(phases[$0.name] ?? 0, 3))" }
            let total = phases.values.reduce(0, +)
            return "  worker \(worker), ms per call: " + parts.joined(separator: ", ") + " (sum \(fixed(total, 3)))"
        }
    }

    private func header() -> String {
        "kernel".rightPadded(to: 30)
            + "shape".rightPadded(to: 22)
            + "thr".leftPadded(to: 4) + "time".leftPadded(to: 11) + "GFLOP/s".leftPadded(to: 9) + "% peak".leftPadded(to: 8)
    }

    private func row(_ result: BenchmarkResult) -> String {
        result.kernel.rightPadded(to: 30)
            + result.shape.rightPadded(to: 22)
            + String(result.threads).leftPadded(to: 4) + duration(result.seconds).leftPadded(to: 11)
            + fixed(result.gflops ?? 0, 1).leftPadded(to: 9) + fixed(result.percentOfPeak ?? 0, 1).leftPadded(to: 8)
    }
}

extension MachinePeak {
    /// A probe reading as JSON.
    var json: [String: Any] {
        ["single_thread_gflops": singleThreadGFLOPS, "threads": threads, "all_threads_gflops": allThreadsGFLOPS,
         "all_threads_scaling": allThreadsScaling]
    }
}
