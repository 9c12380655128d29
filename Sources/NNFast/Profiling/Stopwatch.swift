import Dispatch

/// The engine's clock (monotonic), and timing for benchmarks: repeat a call until one sample lasts long enough to be measured
/// well, take several samples, report the fastest per-call time (the least disturbed by other
/// work on a shared machine).
enum Stopwatch {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Seconds from `start` (a `now()` reading) until now.
    static func seconds(since start: UInt64) -> Double { Double(now() - start) / 1e9 }

    /// Best per-call seconds of `body` over `samples` samples of at least `sampleSeconds` each.
    static func bestTime(samples: Int = 5, sampleSeconds: Double = 0.02, _ body: () -> Void) -> Double {
        body()  // warm caches, grow scratch buffers, wake worker threads
        var calls = 1
        while true {
            let start = now()
            for _ in 0..<calls { body() }
            let elapsed = Double(now() - start) / 1e9
            if elapsed >= sampleSeconds || calls >= 1 << 20 {
                var best = elapsed / Double(calls)
                for _ in 1..<samples {
                    let start = now()
                    for _ in 0..<calls { body() }
                    best = min(best, Double(now() - start) / 1e9 / Double(calls))
                }
                return best
            }
            calls *= 2
        }
    }
}
