import Testing
@testable import NNFast

/// `ContentionBackOff` on made-up timelines (nanoseconds): which jobs are stalls, and when the
/// pool runs alone.
@Suite struct ContentionBackOffTests {
    private static let ms: UInt64 = 1_000_000
    private static let µs: UInt64 = 1_000

    @Test func onlyAWorkerPartFarLongerThanTheCallersIsAStall() {
        var backOff = ContentionBackOff()
        let ms = Self.ms, µs = Self.µs
        func isStall(_ now: UInt64, _ callerWork: UInt64, _ workerPart: UInt64) -> Bool {
            backOff.jobEnded(at: now, callerWork: callerWork, longestWorkerPart: workerPart)
        }
        // A worker that woke late but then ran an ordinary part: no stall, however long the
        // caller waited (the wait is not an input at all).
        #expect(!isStall(10 * ms, 400 * µs, 450 * µs))
        // A wide network's phase, unevenly split by 2 ms over 30 ms: not a stall.
        #expect(!isStall(20 * ms, 30 * ms, 32 * ms))
        // Past the margin but not twice the caller's share; then past both.
        #expect(!isStall(30 * ms, 1 * ms, 1_900 * µs))
        #expect(isStall(40 * ms, 1 * ms, 2_100 * µs))
        // A short caller share: the 0.5 ms margin decides.
        #expect(!isStall(500 * ms, 60 * µs, 550 * µs))
        #expect(isStall(600 * ms, 60 * µs, 600 * µs))
        // The caller ran every part: nothing to judge.
        #expect(!isStall(700 * ms, 5 * ms, 0))
    }

    /// The quiet VM's hiccups: a 2 ms stall every 300 ms, 100 µs jobs — never a back-off.
    @Test func isolatedStallsNeverBackOff() {
        var backOff = ContentionBackOff()
        var now: UInt64 = 0
        var solo = 0
        while now < 10_000 * Self.ms {
            now += 100 * Self.µs
            if backOff.runsAlone(at: now) { solo += 1; continue }
            let stalled = now % (300 * Self.ms) == 0
            backOff.jobEnded(at: now, callerWork: 60 * Self.µs, longestWorkerPart: stalled ? 2 * Self.ms : 70 * Self.µs)
        }
        #expect(solo == 0)
    }

    /// A busy machine: the worker stalls 6 ms into every stretch of parallel jobs. The first
    /// stall only warns; from the second, the pool runs alone for 50, 100, 200, 400, 800, 800 ms.
    @Test func recurringStallsBackOffForLongerEachTime() {
        var backOff = ContentionBackOff()
        var now: UInt64 = 0
        var parallelSince: UInt64 = 0
        var soloStretches: [UInt64] = []
        var soloSince: UInt64?
        while soloStretches.count < 6 {
            now += 100 * Self.µs
            if backOff.runsAlone(at: now) {
                if soloSince == nil { soloSince = now }
                continue
            }
            if let since = soloSince {
                soloStretches.append((now - since + 100 * Self.µs + Self.ms / 2) / Self.ms)
                soloSince = nil
                parallelSince = now
            }
            let stalled = now - parallelSince >= 6 * Self.ms
            if stalled { parallelSince = now }
            backOff.jobEnded(at: now, callerWork: 60 * Self.µs, longestWorkerPart: stalled ? 3 * Self.ms : 70 * Self.µs)
        }
        #expect(soloStretches == [50, 100, 200, 400, 800, 800])
    }

    /// After a long quiet stretch a new stall starts over: a warning, then the shortest period.
    @Test func aQuietStretchStartsOver() {
        var backOff = ContentionBackOff()
        let ms = Self.ms
        for t: UInt64 in [0, 10, 70, 180] {  // warning, 50 ms, 100 ms (from 70), 200 ms (from 180)
            backOff.jobEnded(at: t * ms, callerWork: 100_000, longestWorkerPart: 3 * ms)
        }
        #expect(backOff.runsAlone(at: 379 * ms) && !backOff.runsAlone(at: 381 * ms))
        let stalled = backOff.jobEnded(at: 5_000 * ms, callerWork: 100_000, longestWorkerPart: 3 * ms)
        #expect(stalled)
        #expect(!backOff.runsAlone(at: 5_001 * ms), "a stall seconds after the last one only warns")
        backOff.jobEnded(at: 5_010 * ms, callerWork: 100_000, longestWorkerPart: 3 * ms)
        #expect(backOff.runsAlone(at: 5_059 * ms) && !backOff.runsAlone(at: 5_061 * ms))
    }
}
