/// When the worker pool stops handing parts to its workers for a while, and runs every part on
/// the caller instead: its judgement of whether the machine is busy.
///
/// The sign of a busy machine is a *stall*: a worker's part, timed from when the worker claimed
/// it to when it finished, lasting far longer than the caller's own share of the job — the
/// worker was descheduled mid-part. It is timed from the claim, not from when the job was
/// published, so a worker that merely woke up late (a sleeping thread on a virtual machine
/// can take 0.2-0.6 ms to get going) is not taken for one; a worker that has not claimed its
/// part by the time the caller is free loses it to the caller anyway.
///
/// One stall alone is not enough. On the 2-core Zen 3 VM, a quiet machine, the host took a
/// core away for 1-3 ms a few times a second (`nnfast bench --filter step`); answered with
/// a 50 ms back-off at one thread's speed, each cost ~20 ms at batch 32 (a 290 µs step on one
/// thread, 175 µs on two) instead of the hiccup's 1-3 ms. With another
/// process holding a core, the scheduler takes the worker's core every few milliseconds, so
/// the second stall follows the first at once. So a stall backs off only when the previous one
/// was recent: within the back-off period it is about to set, plus a margin — which also means
/// that once backing off, a stall soon after trying the workers again backs off for twice as
/// long (up to 0.8 s).
struct ContentionBackOff {
    /// A worker's part must outlast the caller's share by this much, and by the caller's share
    /// again, to be a stall. Relative as well as absolute because a phase of a wide network
    /// takes milliseconds per thread, and its ordinary imbalance between threads can pass
    /// 0.5 ms: with the absolute bound alone, the 784-800-800-10 step at batch 256 on 2 threads
    /// ran at about one thread's speed on a quiet 2-core Zen 3.
    static let stallMargin: UInt64 = 500_000
    static let shortestPeriod: UInt64 = 50_000_000
    static let longestPeriod: UInt64 = 800_000_000
    /// How much longer than the next back-off period a second stall may come and still confirm
    /// the first.
    static let confirmationWindow: UInt64 = 50_000_000

    /// Until when (`Stopwatch.now()` nanoseconds) jobs run on the caller alone.
    private var soloUntil: UInt64 = 0
    /// The back-off the next confirmed stall sets.
    private var period = ContentionBackOff.shortestPeriod
    /// When the last stall was seen (nil: none yet).
    private var lastStall: UInt64?

    /// Whether a job starting at `now` runs on the caller alone.
    func runsAlone(at now: UInt64) -> Bool { now < soloUntil }

    /// Judges a job the workers took part in, which ended at `now`: the caller's own share took
    /// `callerWork` nanoseconds, and the longest part a worker ran `longestWorkerPart` (0 if the
    /// caller ran every part). Returns whether it was a stall.
    @discardableResult
    mutating func jobEnded(at now: UInt64, callerWork: UInt64, longestWorkerPart: UInt64) -> Bool {
        guard longestWorkerPart > callerWork + max(ContentionBackOff.stallMargin, callerWork) else { return false }
        defer { lastStall = now }
        guard let lastStall, now - lastStall <= period + ContentionBackOff.confirmationWindow else {
            period = ContentionBackOff.shortestPeriod  // a one-off: the previous stall is long past
            return true
        }
        soloUntil = now + period
        period = min(period * 2, ContentionBackOff.longestPeriod)
        return true
    }
}
