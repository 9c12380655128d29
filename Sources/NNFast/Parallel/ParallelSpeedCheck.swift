/// Whether a training loop's steps should run on one thread for a while because, right now, its
/// threads together are slower than one thread alone — the judgement `ContentionBackOff` cannot
/// make, since then no thread stalls: every one of them is slow.
///
/// Seen on the 2-vCPU Zen 4 VMs (AMD EPYC family 25 model 17): for seconds at a time, the
/// batch-32 step of 784-100-200-10 on two threads took ~245 µs instead of ~100, while the same
/// step on one thread still took ~166 µs and the two-thread FMA probe still read 230 GFLOP/s
/// (a `nnfast bench` loop, 31 runs over 4 minutes: 6 such). The parts that slowed most were the ones
/// that write lines the other vCPU has just read — the updates, 3.4× — so it is the path between
/// the two cores that slows, not either core.
///
/// The check times steps in windows of `window` and compares the medians (a single slow step, a
/// page fault or an interrupt, moves no median):
/// - the `calibrationWindow`-th window runs alone, as a trial (below) against the one before it:
///   a run may start in a slow spell, with no fast window to compare with (one trial per run:
///   8 steps at one thread's speed; from the measured steps, 166 against 100 µs, ~0.5 ms for
///   784-100-200-10 at batch 32);
/// - running on every thread, `slowWindowsToTrial` windows in a row each `slowdown` times slower
///   than the fastest parallel window seen so far are a suspicion: the next window runs alone, as
///   a trial (one slow window is not enough: on a quiet machine a few in a bench run of 2,000
///   steps were, and each false trial sent ~150 steps to one thread's speed);
/// - if alone is faster, the steps stay alone for `hold` windows, then a parallel window is
///   tried again; while alone keeps winning, each hold doubles (up to `longestHold`);
/// - if alone is slower (the machine is merely busy, and parallel still wins), the check keeps
///   every thread and takes the slow window as the new reference: only a window `slowdown`
///   times slower than that starts another trial (until a faster window lowers it again).
/// Which thread runs a part never changes a result (`WorkerPool`), so neither does the check.
struct ParallelSpeedCheck {
    static let window = 8
    /// Which parallel window the first trial alone follows: after the first steps' page faults
    /// and buffer growth.
    static let calibrationWindow = 4
    static let slowdown = 1.5
    static let slowWindowsToTrial = 2
    static let shortestHold = 4
    static let longestHold = 128

    enum Mode {
        /// Every thread, watching for a slow window.
        case parallel
        /// One window on the caller alone, to compare with the slow parallel window before it.
        case trialAlone
        /// On the caller alone; `windowsLeft` windows until a parallel window is tried again.
        case alone(windowsLeft: Int)
        /// One window on every thread, to compare with the alone windows before it.
        case trialParallel
    }

    private(set) var mode = Mode.parallel
    /// Step times of the window being filled (preallocated: a step allocates nothing).
    private var samples = [UInt64](repeating: 0, count: ParallelSpeedCheck.window)
    private var filled = 0
    /// The reference a parallel window is judged against: the lowest window median on every
    /// thread so far, raised to the slow one when a trial alone lost to it (nil: no window yet).
    private var fastestParallel: UInt64?
    /// The median of the latest window on every thread, and of the latest one alone.
    private var latestParallel: UInt64 = 0
    private var latestAlone: UInt64 = 0
    /// Windows the next stretch alone lasts; doubles while alone keeps winning.
    private var hold = ParallelSpeedCheck.shortestHold
    /// How many windows ran alone (trials included); the tests read it.
    private(set) var windowsAlone = 0
    /// Parallel windows so far, until the calibration trial.
    private var parallelWindows = 0
    /// Slow parallel windows in a row.
    private var slowWindows = 0

    /// Whether the next step should run on the caller alone.
    var runsAlone: Bool {
        switch mode {
        case .parallel, .trialParallel: false
        case .trialAlone, .alone: true
        }
    }

    /// Records a step that took `nanoseconds` in the current mode. Steps the pool ran alone on
    /// its own judgement (`ContentionBackOff`) while this check wanted every thread are not
    /// parallel steps: pass `disturbed` and they are left out.
    mutating func stepEnded(nanoseconds: UInt64, disturbed: Bool = false) {
        guard !disturbed else { return }
        samples[filled] = nanoseconds
        filled += 1
        guard filled == Self.window else { return }
        filled = 0
        windowEnded(median: windowMedian())
    }

    private mutating func windowEnded(median: UInt64) {
        switch mode {
        case .parallel:
            latestParallel = median
            parallelWindows += 1
            let slow = fastestParallel.map { Double(median) > Self.slowdown * Double($0) } ?? false
            slowWindows = slow ? slowWindows + 1 : 0
            if slowWindows >= Self.slowWindowsToTrial {
                slowWindows = 0
                mode = .trialAlone
            } else if parallelWindows == Self.calibrationWindow && windowsAlone == 0 {
                mode = .trialAlone
            }
            fastestParallel = min(fastestParallel ?? median, median)
        case .trialAlone:
            windowsAlone += 1
            latestAlone = median
            if median < latestParallel {
                mode = .alone(windowsLeft: hold)
                hold = min(hold * 2, Self.longestHold)
            } else {
                mode = .parallel
                fastestParallel = latestParallel
            }
        case .alone(let windowsLeft):
            windowsAlone += 1
            latestAlone = median
            mode = windowsLeft > 1 ? .alone(windowsLeft: windowsLeft - 1) : .trialParallel
        case .trialParallel:
            latestParallel = median
            if median < latestAlone {
                mode = .parallel  // the slow spell is over
                hold = Self.shortestHold
            } else {
                mode = .alone(windowsLeft: hold)
                hold = min(hold * 2, Self.longestHold)
            }
        }
    }

    /// The window's median (the lower middle of its times): an insertion sort in place, which
    /// cannot allocate.
    private mutating func windowMedian() -> UInt64 {
        for i in 1..<Self.window {
            let value = samples[i]
            var j = i
            while j > 0 && samples[j - 1] > value {
                samples[j] = samples[j - 1]
                j -= 1
            }
            samples[j] = value
        }
        return samples[(Self.window - 1) / 2]
    }
}
