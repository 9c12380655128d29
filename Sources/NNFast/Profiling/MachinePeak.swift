import Dispatch
import Foundation

/// The machine's practical FP32 peak, measured with the register-only FMA probe on 1 and on
/// `threads` threads at once. Kernel efficiency is quoted as a percentage of this.
public struct MachinePeak: Sendable, Equatable {
    public let singleThreadGFLOPS: Double
    public let threads: Int
    public let allThreadsGFLOPS: Double

    /// Peak for a kernel running on `threads` threads.
    public func gflops(threads: Int) -> Double {
        threads <= 1 ? singleThreadGFLOPS : allThreadsGFLOPS * Double(min(threads, self.threads)) / Double(self.threads)
    }

    public static func measure(threads: Int) -> MachinePeak {
        // ~2 ms per sample on one core whatever the vector width, long enough to dwarf a thread's start.
        let iterations = 16_000_000 / fmaProbeVectorWidth
        let flops = Double(iterations * fmaProbeFLOPsPerIteration)
        // Results go to a sink that is checked, so the optimizer cannot drop the probe calls.
        let sink = _ProbeSink()
        let single = Stopwatch.bestTime(samples: 5) { sink.add(fmaProbe(iterations: iterations, seed: 1)) }
        var all = single
        if threads > 1 {
            all = Stopwatch.bestTime(samples: 5) {
                DispatchQueue.concurrentPerform(iterations: threads) { index in
                    sink.add(fmaProbe(iterations: iterations, seed: Float(index)))
                }
            }
        }
        return MachinePeak(singleThreadGFLOPS: flops / single / 1e9, threads: threads,
                           allThreadsGFLOPS: flops * Double(threads) / all / 1e9)
    }
}

/// Collects probe results under a lock (once per probe call, so the cost is negligible).
private final class _ProbeSink: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var total: Float = 0

    func add(_ value: Float) {
        lock.lock()
        total += value
        lock.unlock()
    }
}
