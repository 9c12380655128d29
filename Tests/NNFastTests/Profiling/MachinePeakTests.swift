import Testing
@testable import NNFast

@Suite struct MachinePeakTests {
    /// Scaling is the all-threads rate over that many single threads; below 0.9 the probe is
    /// taken to have run on a busy machine. A one-thread peak always scales by 1.
    @Test func scalingBelowNineTenthsLooksBusy() {
        let quiet = MachinePeak(singleThreadGFLOPS: 110, threads: 2, allThreadsGFLOPS: 218)
        #expect(abs(quiet.allThreadsScaling - 218.0 / 220) < 1e-12)
        #expect(!quiet.allThreadsLookBusy)
        let shared = MachinePeak(singleThreadGFLOPS: 110, threads: 2, allThreadsGFLOPS: 148)
        #expect(abs(shared.allThreadsScaling - 148.0 / 220) < 1e-12)
        #expect(shared.allThreadsLookBusy)
        let edge = MachinePeak(singleThreadGFLOPS: 100, threads: 4, allThreadsGFLOPS: 360)
        #expect(!edge.allThreadsLookBusy)  // exactly 0.9
        let one = MachinePeak(singleThreadGFLOPS: 100, threads: 1, allThreadsGFLOPS: 100)
        #expect(one.allThreadsScaling == 1 && !one.allThreadsLookBusy)
    }

    /// The better of two readings takes each thread count's higher rate, whichever reading it
    /// came from, and so moves a kernel's percentage of the peak down, never up.
    @Test func bestTakesEachThreadCountsHigherReading() {
        let first = MachinePeak(singleThreadGFLOPS: 112, threads: 2, allThreadsGFLOPS: 150)
        let second = MachinePeak(singleThreadGFLOPS: 108, threads: 2, allThreadsGFLOPS: 221)
        let best = first.best(second)
        #expect(best == MachinePeak(singleThreadGFLOPS: 112, threads: 2, allThreadsGFLOPS: 221))
        #expect(best == second.best(first))
        #expect(best.gflops(threads: 2) >= first.gflops(threads: 2))
        #expect(!best.allThreadsLookBusy && first.allThreadsLookBusy)
    }
}
