/// What a kernel call may use: how many threads, and scratch memory it can reuse.
/// One context per thread of work; it is never shared between concurrent callers.
public final class ComputeContext {
    public let threads: Int
    let scratch = GEMMScratch()

    public init(threads: Int = 1) {
        self.threads = max(1, threads)
    }
}
