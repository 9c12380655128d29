import Foundation
import Testing
@testable import NNFast

@Suite struct StepProfileTests {
    /// A job whose part 1 outlasts part 0 by ≥ 2 ms: the difference is imbalance when the parts
    /// ran side by side, and part 1's whole time is "ran alone" when the pool ran it after part 0.
    @Test func otherPartsTimeIsChargedToImbalanceOrToRanAlone() {
        let profile = StepProfile(layerCount: 1, parts: 2)
        profile.beginJob()
        profile.timePart(0) {}
        profile.timePart(1) { usleep(2_000) }
        profile.endJob(ranAlone: false)
        #expect(profile.imbalanceSeconds >= 0.002)
        #expect(profile.aloneSeconds == 0)

        let imbalance = profile.imbalanceSeconds
        profile.beginJob()  // clears the parts' clocks
        profile.timePart(0) { usleep(1_000) }
        profile.timePart(1) { usleep(2_000) }
        profile.endJob(ranAlone: true)
        #expect(profile.imbalanceSeconds == imbalance)
        #expect(profile.aloneSeconds >= 0.002 && profile.aloneSeconds < imbalance + 0.002)
        #expect(profile.jobs == 2 && profile.soloJobs == 1)

        // Part 0 the longest: no imbalance is charged.
        profile.beginJob()
        profile.timePart(0) { usleep(1_000) }
        profile.timePart(1) {}
        profile.endJob(ranAlone: false)
        #expect(profile.imbalanceSeconds == imbalance)
    }

    /// The table lists imbalance and ran-alone rows only when the step runs on several threads,
    /// every profiled step's phases are counted as jobs, and the rows never add up to more
    /// than the wall time.
    @Test(arguments: [1, 2])
    func aProfiledStepCountsItsJobs(threads: Int) {
        let profile = KernelBenchmarks.trainingStep(layers: [16, 8, 4], batch: 12, threads: threads, steps: 5)
        #expect(profile.steps == 5)
        #expect(profile.jobs == 10, "plain SGD: a rows phase and a parameters phase per step")
        let names = profile.rows.map(\.name)
        #expect(names.contains("imbalance") == (threads > 1))
        #expect(names.contains("ran alone") == (threads > 1))
        #expect(names.last == "wait")
        // Part 0's phases plus the other parts' excess happened within the wall time: nothing
        // is counted twice.
        let accounted = profile.rows.dropLast().map(\.seconds).reduce(0, +)
        #expect(accounted <= profile.wallSeconds)
    }
}
