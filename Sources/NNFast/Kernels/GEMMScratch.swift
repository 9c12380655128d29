/// Reusable, 64-byte-aligned working memory for GEMM's packed panels.
///
/// A training loop owns one and hands it to every GEMM call, so the buffer grows to the largest
/// shape once and no step allocates afterwards. Not thread-safe: one owner at a time.
public final class GEMMScratch {
    private(set) var buffer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int
    /// The work counter of the multi-threaded GEMM that uses this scratch (either path).
    let claims = _GEMMClaims()
    /// What the packed GEMM's threads have finished, for units that wait on earlier ones.
    let packedProgress = _GEMMPackedProgress()
    /// When set, every packed GEMM through this scratch adds its threads' phases to it.
    public var phaseTimes: GEMMPhaseTimes?

    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 16)
        buffer = GEMMScratch.allocate(self.capacity)
    }

    deinit { buffer.deallocate() }

    /// Returns at least `count` floats of scratch; earlier contents are not kept.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            buffer.deallocate()
            capacity = max(count, capacity * 2)
            buffer = GEMMScratch.allocate(capacity)
        }
        return buffer
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }
}
