/// Part `index` of `parts` near-equal contiguous pieces of `0..<count`, with boundaries on
/// multiples of `granularity` where possible (so GEMM tiles are not split needlessly).
func partition(_ count: Int, parts: Int, index: Int, granularity: Int = 1) -> Range<Int> {
    let units = (count + granularity - 1) / granularity
    let start = min(count, units * index / parts * granularity)
    let end = min(count, units * (index + 1) / parts * granularity)
    return start..<end
}
