import Testing
@testable import NNFast

/// `ParallelSpeedCheck` on made-up step times (nanoseconds): when steps run alone, and for how long.
@Suite struct ParallelSpeedCheckTests {
    private static let µs: UInt64 = 1_000

    /// Feeds `steps` steps; each step's time comes from `time(step, alone)`. Returns, per step,
    /// whether it ran alone.
    private func run(_ check: inout ParallelSpeedCheck, steps: Int, from first: Int = 0,
                     time: (Int, Bool) -> UInt64) -> [Bool] {
        var alone: [Bool] = []
        for step in first..<(first + steps) {
            let runsAlone = check.runsAlone
            alone.append(runsAlone)
            check.stepEnded(nanoseconds: time(step, runsAlone))
        }
        return alone
    }

    /// A quiet machine whose steps vary by ±20%, with an outlier 5× as long every 50 steps: only
    /// the calibration window runs alone (and loses).
    @Test func ordinaryNoiseRunsAloneOnlyToCalibrate() {
        var check = ParallelSpeedCheck()
        var generator = SeededGenerator(seed: 7)
        let alone = run(&check, steps: 20_000) { step, alone in
            let typical = alone ? 166 * Self.µs : 100 * Self.µs
            return step % 50 == 49 ? 5 * typical : UInt64(Double(typical) * (0.8 + 0.4 * generator.nextUniform()))
        }
        let window = ParallelSpeedCheck.window, calibration = ParallelSpeedCheck.calibrationWindow * window
        #expect(!alone[..<calibration].contains(true))
        #expect(!alone[calibration..<(calibration + window)].contains(false))
        #expect(!alone[(calibration + window)...].contains(true))
        #expect(check.windowsAlone == 1)
    }

    /// A run that starts in a slow spell: the calibration trial finds one thread faster, and the
    /// check stays alone until a parallel trial after the spell.
    @Test func aRunStartingInASlowSpellGoesAloneAtCalibration() {
        var check = ParallelSpeedCheck()
        let spell = 0..<3_000
        let alone = run(&check, steps: 6_000) { step, alone in
            alone ? 166 * Self.µs : (spell.contains(step) ? 245 * Self.µs : 100 * Self.µs)
        }
        let window = ParallelSpeedCheck.window, calibration = ParallelSpeedCheck.calibrationWindow * window
        #expect(alone.firstIndex(of: true) == calibration)
        #expect(Double(alone[spell].filter { $0 }.count) > 0.9 * Double(spell.count))
        let lastAlone = alone.lastIndex(of: true) ?? 0
        #expect(lastAlone < spell.upperBound + (ParallelSpeedCheck.longestHold + 2) * window)
    }

    /// The Zen 4 VM's slow spell: two threads 100 µs a step, then 245 µs (one thread: 166 µs
    /// throughout) for 4,000 steps, then 100 µs again. The check goes alone within two windows,
    /// stays alone for most of the spell, and comes back within its longest hold.
    @Test func aSlowSpellRunsAloneAndComesBack() {
        var check = ParallelSpeedCheck()
        let spell = 800..<4_800
        let alone = run(&check, steps: 8_000) { step, alone in
            alone ? 166 * Self.µs : (spell.contains(step) ? 245 * Self.µs : 100 * Self.µs)
        }
        let window = ParallelSpeedCheck.window
        #expect(alone[..<spell.lowerBound].filter { $0 }.count == window, "the calibration window only")
        let firstAlone = alone[spell.lowerBound...].firstIndex(of: true) ?? alone.count
        // Two slow windows, the first perhaps begun before the spell, then the trial.
        #expect(firstAlone <= spell.lowerBound + (ParallelSpeedCheck.slowWindowsToTrial + 1) * window)
        let aloneInSpell = alone[spell].filter { $0 }.count
        #expect(Double(aloneInSpell) > 0.9 * Double(spell.count), "alone in \(aloneInSpell) of \(spell.count) steps")
        let lastAlone = alone.lastIndex(of: true) ?? 0
        #expect(lastAlone < spell.upperBound + (ParallelSpeedCheck.longestHold + 2) * window)
        #expect(!alone[(lastAlone + 1)...].contains(true))
    }

    /// A busy machine where two threads slow down but one thread slows down more: the check tries
    /// alone once, loses, and keeps every thread, judging from the slower speed from then on; a
    /// stretch 1.5× slower than that tries again.
    @Test func whenAloneIsSlowerEveryThreadStays() {
        var check = ParallelSpeedCheck()
        let window = ParallelSpeedCheck.window
        let alone = run(&check, steps: 20_000) { step, alone in
            if step < 400 { return 100 * Self.µs }
            if step < 10_000 { return alone ? 400 * Self.µs : 180 * Self.µs }
            return alone ? 400 * Self.µs : 280 * Self.µs
        }
        let calibration = ParallelSpeedCheck.calibrationWindow * window
        #expect(alone[..<400].filter { $0 }.count == window && alone[calibration], "the calibration window only")
        #expect(alone[400..<10_000].filter { $0 }.count == window, "one trial window")
        #expect(alone[10_000...].filter { $0 }.count == window, "one more, after a further 1.5× slowdown")
        #expect(check.windowsAlone == 3)
    }

    /// Steps the pool's own back-off ran alone are not parallel samples: a stretch of them, however
    /// slow, starts no trial.
    @Test func disturbedStepsAreLeftOut() {
        var check = ParallelSpeedCheck()
        let window = ParallelSpeedCheck.window
        for _ in 0..<(ParallelSpeedCheck.calibrationWindow * window) { check.stepEnded(nanoseconds: 100 * Self.µs) }
        #expect(check.runsAlone, "the calibration trial")
        for _ in 0..<window { check.stepEnded(nanoseconds: 166 * Self.µs) }
        #expect(!check.runsAlone, "alone lost")
        for _ in 0..<(4 * window) { check.stepEnded(nanoseconds: 900 * Self.µs, disturbed: true) }
        #expect(!check.runsAlone)
        for _ in 0..<(ParallelSpeedCheck.slowWindowsToTrial * window) { check.stepEnded(nanoseconds: 900 * Self.µs) }
        #expect(check.runsAlone, "undisturbed slow windows still count")
    }
}
