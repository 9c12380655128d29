import Testing
@testable import NNFast

@Suite struct StepProfileTests {
    /// The other parts' time beyond part 0's is imbalance when they ran beside it; all of it is
    /// "ran alone" when the pool ran them after part 0. (Busy times given, not slept: exact.)
    @Test func otherPartsTimeIsChargedToImbalanceOrToRanAlone() {
        let profile = StepProfile(layerCount: 1, parts: 3)
        profile.beginJob()
        profile.addPartTime(0, nanoseconds: 1_000)
        profile.addPartTime(1, nanoseconds: 3_000)
        profile.addPartTime(2, nanoseconds: 2_500)
        profile.endJob(ranAlone: false)
        #expect(profile.imbalanceSeconds == 2e-6, "the longest other part, less part 0")
        #expect(profile.aloneSeconds == 0)

        profile.beginJob()  // clears the parts' busy times
        profile.addPartTime(0, nanoseconds: 1_000)
        profile.addPartTime(1, nanoseconds: 2_000)
        profile.addPartTime(2, nanoseconds: 500)
        profile.endJob(ranAlone: true)
        #expect(profile.imbalanceSeconds == 2e-6)
        #expect(profile.aloneSeconds == 2.5e-6, "every other part's time, run after part 0")
        #expect(profile.jobs == 2 && profile.soloJobs == 1)

        // Part 0 the longest: no imbalance is charged.
        profile.beginJob()
        profile.addPartTime(0, nanoseconds: 4_000)
        profile.addPartTime(1, nanoseconds: 1_000)
        profile.endJob(ranAlone: false)
        #expect(profile.imbalanceSeconds == 2e-6)
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

    /// Each part's phases go to its own timer: what part 1 times never shows in part 0's rows.
    @Test func eachPartTimesItsOwnPhases() {
        let profile = StepProfile(layerCount: 2, parts: 2, everyPart: true)
        profile.timer(part: 1)!.time(.update(layer: 1)) { for _ in 0..<1_000 { _ = Stopwatch.now() } }
        #expect(profile.seconds(.update(layer: 1), part: 1) > 0)
        #expect(profile.seconds(.update(layer: 1)) == 0, "part 0 timed nothing")
        #expect(profile.phaseRows(part: 0).map(\.name) == profile.phaseRows(part: 1).map(\.name))
    }

    /// Asked to, both parts of a two-thread step time their phases: the worker's forward and
    /// update of the first layer, which every part has rows of, are not zero. By default only
    /// part 0 is timed.
    @Test func aTwoThreadStepTimesBothPartsWhenAsked() {
        #expect(StepProfile(layerCount: 2, parts: 2).timedParts == 1)
        #expect(StepProfile(layerCount: 2, parts: 2).timer(part: 1) == nil)
        let profile = KernelBenchmarks.trainingStep(layers: [16, 8, 4], batch: 12, threads: 2, steps: 5, everyThread: true)
        #expect(profile.timedParts == 2)
        #expect(profile.seconds(.forward(layer: 0), part: 1) > 0)
        #expect(profile.seconds(.update(layer: 0), part: 1) > 0)
        #expect(profile.rows.prefix(profile.phaseRows(part: 1).count).map(\.name) == profile.phaseRows(part: 1).map(\.name))
    }
}
