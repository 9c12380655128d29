/// A fixed-size buffer of per-row values (labels, losses) with stable storage.
///
/// Threads write disjoint rows of a batch at the same time. A Swift `Array` stored in a shared
/// object cannot be written that way: every mutating access checks uniqueness for
/// copy-on-write, and two threads doing so at once race (a thread may copy the array and write
/// its copy back). This buffer never copies and never moves.
final class RowBuffer<Element: BitwiseCopyable> {
    let count: Int
    let base: UnsafeMutablePointer<Element>

    init(repeating value: Element, count: Int) {
        self.count = count
        base = UnsafeMutablePointer<Element>.allocate(capacity: max(count, 1))
        base.initialize(repeating: value, count: max(count, 1))
    }

    deinit { base.deallocate() }

    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "row index out of range")
            return base[index]
        }
        set {
            precondition(index >= 0 && index < count, "row index out of range")
            base[index] = newValue
        }
    }

    /// The first `rows` values, as an array.
    func prefix(_ rows: Int) -> [Element] {
        Array(UnsafeBufferPointer(start: base, count: min(rows, count)))
    }
}
