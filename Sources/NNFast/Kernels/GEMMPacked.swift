import CNNFastMath
import Dispatch

// The Goto/BLIS loop nest for large GEMMs, around the same micro-kernel:
//
//   for each KC-deep slice of K                          (B slice: KC × n, packed, in L3)
//     pack the slice's B panels, an L2 chunk at a time   (units claimed by the threads)
//     for each MC-tall block of C's rows                 (A block: MC × KC, packed, in L2/L3)
//       for each chunk of B panels                       (B chunk: ~256 KiB, in L2; a unit)
//         pack A's block into MR-tall panels (once per thread and block)
//         for each MR-tall panel of the A block          (A panel: MR × KC = 12 KiB, in L1)
//           for each NR-wide panel of the chunk          (B panel: KC × NR, streamed from L2)
//             micro-kernel → MR × NR tile of C (6×32 with AVX-512, 6×16 otherwise)
//
// The operand that stays in L1 is the A panel, the small one: a 512-deep B panel is 32 KiB
// with the 6×16 tile (64 KiB with 6×32), the whole of Zen 3's and Zen 4's L1d, so the classic
// order (one B panel in L1, every A panel streamed past it) evicted the B panel as it used it and
// read both operands from L2. C tiles now also advance along a row of C, where the hardware
// prefetcher follows them, and each tile's lines are prefetched before its K loop (walking down
// a column of C, they were L3 misses at the end of every micro-kernel call). On Zen 3 (AVX2
// build, 1 thread, 1024³ and 2048³), in a temporary harness that alternated both orders in one
// process, 9-11 calls each: 1.04-1.21× faster in the median. With the faster packing
// (GEMMPacking.swift), against the previous release, `tools/compare_builds.py --rounds 10`:
// 1024³ 1.04× on one thread and 1.07× on two, 2048³ (`--full`) 1.10× and 1.07×.
//
// Threads claim the loop nest's units one at a time (`_GEMMPackedUnits`, `_GEMMClaims`, `_GEMMPackedProgress`):
// a slice's B chunks to pack, then its (row block, B chunk) pairs to multiply. A thread whose
// core is shared (another process, the host) takes fewer units and the others take the rest.
// Before, each thread owned a fixed range of column panels, and the call lasted as long as the
// slowest thread's share. On Zen 3 (2 cores, AVX2 build), against that version,
// `tools/compare_builds.py OLD NEW --rounds 5 --filter gemm --full` with a busy process pinned
// to one core (`taskset -c 1`): 2 threads 1024³ 1.59× [worst 1.39×], 2048³ 1.24× [0.98×],
// 512³ 0.95× [0.82×]; one thread unchanged (0.99-1.02×). Without it, in a temporary harness
// alternating both versions in one process, 16 calls each: 0.92-1.01× on one and two threads,
// which is this host's noise (the same harness read 0.996-1.004× for one version against itself).
// Each thread packs its own copy of every A block it multiplies (copying A costs m·k per thread
// against 2·m·k·n/threads FLOPs, under 1% for the n ≥ 256 that come here); B is packed once,
// into two buffers used by alternate slices, so a thread done with slice s packs slice s + 1
// while another still multiplies s. Blocking sizes, measured in that harness on 2 threads
// (2048³, Zen 3): MC 72, KC 256, 128-KiB chunks, and KC 256 with MC 288 all within 0.96-1.01×
// of these.
//
// KC = 512 vs 256 at 1024³ gave the same speed on one thread and ~2% more on two on Zen 4 (when
// threads still split rows); on Zen 3 256 was no faster in either loop order. KC is the one
// blocking size that changes results (it decides where C accumulates partial sums), so it is the
// same on every ISA. MC ≤ 144 rows keeps an A block (≤ 288 KiB) within L2.
// Determinism: each C element is summed over K slices in order, one micro-kernel call per
// slice, whichever thread makes it — the same partial sums whatever the thread count, the
// claims or the chunking.

/// K-slice depth.
let gemmKC = 512
/// Upper bound on the rows of C in one packed A block.
let gemmMCMax = 144
/// Bytes of packed B panels multiplied by every A panel of a block before the next chunk: half
/// of Zen 3's 512 KiB L2, so the chunk stays there while the A block's panels pass through.
let gemmChunkBytes = 256 * 1024

/// Whether a problem is big enough for packing A and B to pay. Up to one K slice deep (k ≤ KC) both
/// paths sum each element over K in order in one tile call, so this threshold never changes a
/// result, only the speed. Measured on Zen 3, `tools/compare_builds.py`, median [worst] of 5-6
/// alternating rounds: 512³ ran 1.20× [1.17×] faster packed on one thread and 1.21× [1.08×] on
/// two (threshold k ≥ 512); lowered to k ≥ 128 once A panels stayed in L1 and packing was fast:
/// the batch-256 weight-gradient GEMMs of 784-800-800-10 (k = 256, A transposed, read in place
/// 6 floats per 64-byte line) 1.34-1.43× on 1 and 2 threads, 784-1200-1200-10's batch-256 step
/// 1.26× [1.12×] on one thread and 1.17× [1.03×] on two, a `--preset best` epoch (batch 128)
/// 7.90 vs 8.46 s (3 alternations, the same weights to the bit); 256³ the same (1.00-1.09×).
/// The batch-32 MLP shapes stay unpacked, and so does 256³ and anything smaller: its A (256 KiB)
/// stays in L2 and a 256-deep B panel in L1 (16 KiB with the 6×16 tile, 32 KiB with 6×32), so
/// packing them copies for nothing; on two threads the packed path's four 8-MFLOP units (two
/// row blocks by two B chunks) also left each thread packing all of A. 256³, unpacked against
/// packed, `tools/compare_builds.py --rounds 9 --filter "gemm 256"` on Zen 4 (family 25
/// model 17): AVX2 build 1.05× on one thread and 1.16× [0.93×] on two, AVX-512 1.07× and 1.16×
/// [1.14×]. Zen 3 was not remeasured: packing had read 1.00-1.09× there (above). (m, n ≥ 256
/// keeps k ≤ 256 there: one K slice, so the same bits either way.)
func gemmPrefersPacked(m: Int, n: Int, k: Int) -> Bool {
    m >= 256 && n >= 256 && k >= 128 && m * n * k > 256 * 256 * 256
}

func gemmPacked<Tile: GEMMTile>(_ x: _GEMMOperands, tile: Tile.Type, epilogue: GEMMEpilogue, scratch: GEMMScratch, threads: Int) {
    let units = _GEMMPackedUnits(m: x.m, k: x.k, panels: x.panelCount(width: Tile.nr), mr: Tile.mr,
                                 chunkPanels: max(1, gemmChunkBytes / (gemmKC * Tile.nr * MemoryLayout<Float>.stride)),
                                 threads: threads)
    let workers = units.workers
    // Two B buffers when threads overlap slices: a thread done with slice s packs slice s + 1
    // while another still multiplies slice s.
    let bBuffers = workers > 1 ? 2 : 1
    let bSize = units.panels * gemmKC * Tile.nr
    let aSize = units.blockRows * gemmKC
    let buffer = scratch.reserve(bBuffers * bSize + workers * aSize)
    var plan = _GEMMPackedPlan<Tile>(x: x, epilogue: epilogue, units: units, packedB: buffer, bBuffers: bBuffers,
                                     bSize: bSize, packedA: buffer + bBuffers * bSize, aSize: aSize)
    let (claims, progress) = (scratch.claims, scratch.packedProgress)
    claims.reset()
    progress.reset()
    if let times = scratch.phaseTimes {
        times.callStarts(workers: workers)
        plan.times = (times, Stopwatch.now())
    }
    if workers == 1 {
        plan.run(worker: 0, claims: claims, progress: progress)
    } else {
        let plan = plan
        GEMMWorkers.fork(workers, flops: x.flops) { worker in
            plan.run(worker: worker, claims: claims, progress: progress)
        }
    }
}

/// The packed GEMM's units of work, in the order threads claim them. Each K slice is
/// `packs` packing units (op(B)'s panels of some L2 chunks, for this slice: one unit on one
/// thread, which packs a row of B across all panels at a time; two per thread otherwise), then
/// `blocks × chunks` multiplying units (one MC-tall row block of C times one chunk), row
/// block after row block:
///
///   slice 0: pack … pack | block 0: c0 … cN | block 1: c0 … cN | … | slice 1: pack …
///
/// Threads claim units one at a time, so a thread that runs slower (its core shared, descheduled
/// for a while) takes fewer of them and the others take the rest: the threads finish within
/// one unit of each other (at 2048³ a unit is 19 MFLOP, ~0.2 ms at the ~90 GFLOP/s a thread
/// reaches there on Zen 3) instead of waiting for a fixed share. Which
/// thread computes a unit never changes its bits: every tile gets one micro-kernel call per K
/// slice, slices in order.
struct _GEMMPackedUnits {
    let m: Int, k: Int, panels: Int, chunkPanels: Int
    /// Row blocks of near-equal height, each ≤ MC and a whole number of MR panels.
    let blocks: Int, blockRows: Int
    let chunks: Int
    /// Threads that take part: no more than a slice has multiplying units.
    let workers: Int
    /// Packing units per slice.
    let packs: Int

    init(m: Int, k: Int, panels: Int, mr: Int, chunkPanels: Int, threads: Int) {
        self.m = m; self.k = k; self.panels = panels; self.chunkPanels = chunkPanels
        let blockCount = (m + gemmMCMax - 1) / gemmMCMax
        blockRows = ((m + blockCount - 1) / blockCount + mr - 1) / mr * mr
        blocks = (m + blockRows - 1) / blockRows
        chunks = (panels + chunkPanels - 1) / chunkPanels
        workers = max(1, min(threads, blocks * chunks))
        packs = workers == 1 ? 1 : min(chunks, 2 * workers)
    }

    var slices: Int { (k + gemmKC - 1) / gemmKC }
    var multipliesPerSlice: Int { blocks * chunks }
    var perSlice: Int { packs + multipliesPerSlice }
    var count: Int { slices * perSlice }

    enum Work { case pack(panels: Range<Int>), multiply(block: Int, chunk: Int) }

    /// Unit `unit`'s slice and work.
    func unit(_ unit: Int) -> (slice: Int, work: Work) {
        let slice = unit / perSlice, index = unit % perSlice
        guard index >= packs else {
            return (slice, .pack(panels: panels(ofChunks: partition(chunks, parts: packs, index: index))))
        }
        return (slice, .multiply(block: (index - packs) / chunks, chunk: (index - packs) % chunks))
    }

    /// The panels of the given chunks.
    func panels(ofChunks range: Range<Int>) -> Range<Int> {
        range.lowerBound * chunkPanels..<min(range.upperBound * chunkPanels, panels)
    }

    /// The rows of C in block `block`.
    func rows(ofBlock block: Int) -> Range<Int> {
        block * blockRows..<min((block + 1) * blockRows, m)
    }
}

/// The packed GEMM's operands and buffers. `@unchecked Sendable` because of the pointers: a
/// unit writes only its own panels of packed B, its own tiles of C and its thread's A region.
struct _GEMMPackedPlan<Tile: GEMMTile>: @unchecked Sendable {
    let x: _GEMMOperands
    let epilogue: GEMMEpilogue
    let units: _GEMMPackedUnits
    let packedB: UnsafeMutablePointer<Float>
    let bBuffers: Int, bSize: Int
    let packedA: UnsafeMutablePointer<Float>
    let aSize: Int
    /// Where the workers' phases go, and when the call started (nil: not timed).
    var times: (phases: GEMMPhaseTimes, callStart: UInt64)?

    /// Claims and runs units until none are left, packing A blocks into worker `worker`'s region.
    func run(worker: Int, claims: _GEMMClaims, progress: _GEMMPackedProgress) {
        let aBlock = packedA + worker * aSize
        var packedABlock: (slice: Int, block: Int)? = nil
        // The end of the worker's last timed phase (when timed): each phase runs from there.
        var mark = times.map { $0.phases.add(.start, since: $0.callStart, worker: worker) } ?? 0
        func ended(_ phase: GEMMPhaseTimes.Phase) {
            if let times { mark = times.phases.add(phase, since: mark, worker: worker) }
        }
        while let index = claims.claim(below: units.count) {
            let (slice, work) = units.unit(index)
            let p0 = slice * gemmKC, kc = min(gemmKC, x.k - p0)
            switch work {
            case .pack(let panels):
                // The buffer this slice packs into was last read by slice `slice - bBuffers`.
                progress.wait(packing: 0, multiplying: max(0, slice - bBuffers + 1) * units.multipliesPerSlice)
                ended(.wait)
                packB(p0: p0, kc: kc, panels: panels, slice: slice)
                ended(.packB)
                progress.finishedPacking()
            case .multiply(let block, let chunk):
                // This slice's B packed, and the previous slice's sums in C.
                progress.wait(packing: (slice + 1) * units.packs, multiplying: slice * units.multipliesPerSlice)
                ended(.wait)
                let rows = units.rows(ofBlock: block)
                if packedABlock == nil || packedABlock! != (slice, block) {
                    packA(rows: rows, p0: p0, kc: kc, into: aBlock)
                    packedABlock = (slice, block)
                    ended(.packA)
                }
                multiply(rows: rows, panels: units.panels(ofChunks: chunk..<chunk + 1), slice: slice, kc: kc, aBlock: aBlock)
                ended(.multiply)
                progress.finishedMultiplying()
            }
        }
        ended(.wait)  // the last, failed claim
    }

    /// Where packed panel `panel` of op(B) starts for slice `slice`: a whole KC deep apart,
    /// whatever the slice's depth, in the slice's buffer.
    func panelStart(_ panel: Int, slice: Int) -> UnsafeMutablePointer<Float> {
        packedB + (slice % bBuffers) * bSize + panel * gemmKC * Tile.nr
    }

    /// Packs K slice `[p0, p0 + kc)` of the given NR-wide panels of op(B): a row-major B a row at
    /// a time across the panels, a transposed one panel by panel (each reads NR rows in order).
    func packB(p0: Int, kc: Int, panels: Range<Int>, slice: Int) {
        guard x.transB else {
            packRowsB(k: kc, n: x.n, nr: Tile.nr, panels: panels, b: x.b + p0 * x.ldb, ldb: x.ldb,
                      panelStart: { panelStart($0, slice: slice) })
            return
        }
        for panel in panels {
            let col0 = panel * Tile.nr
            packPanelB(transB: true, k: kc, col0: col0, width: min(Tile.nr, x.n - col0), nr: Tile.nr,
                       b: x.b + p0, ldb: x.ldb, into: panelStart(panel, slice: slice))
        }
    }

    /// Packs the K slice of A's `rows` into MR-tall panels.
    func packA(rows: Range<Int>, p0: Int, kc: Int, into aBlock: UnsafeMutablePointer<Float>) {
        var r = 0
        while r < rows.count {
            packPanelA(transA: x.transA, kc: kc, row0: rows.lowerBound + r, height: min(Tile.mr, rows.count - r),
                       mr: Tile.mr, p0: p0, a: x.a, lda: x.lda, into: aBlock + r * kc)
            r += Tile.mr
        }
    }

    /// Multiplies a packed row block of A by one chunk of packed B panels, one A panel (in L1)
    /// against every panel of the chunk (in L2) at a time.
    func multiply(rows: Range<Int>, panels: Range<Int>, slice: Int, kc: Int, aBlock: UnsafePointer<Float>) {
        // Earlier slices have already written α·partial (+ β·C): later ones accumulate, and only
        // the last applies the bias and activation.
        var sliceEpilogue = epilogue
        if slice > 0 { sliceEpilogue.beta = 1 }
        if slice + 1 < units.slices {
            sliceEpilogue.bias = nil
            sliceEpilogue.activation = .identity
        }
        var r = 0
        while r < rows.count {
            let height = min(Tile.mr, rows.count - r)
            let cRows = x.c + (rows.lowerBound + r) * x.ldc
            for panel in panels {
                let col0 = panel * Tile.nr
                let width = min(Tile.nr, x.n - col0)
                prefetchTile(cRows + col0, rows: height, cols: width, ldc: x.ldc)
                Tile.multiply(
                    k: kc, a: aBlock + r * kc, aRowStride: 1, aKStride: Tile.mr,
                    b: panelStart(panel, slice: slice), bKStride: Tile.nr,
                    c: cRows + col0, ldc: x.ldc, rows: height, cols: width,
                    column: col0, epilogue: sliceEpilogue)
            }
            r += Tile.mr
        }
    }
}

/// Asks for the cache lines of a `rows × cols` tile of C ahead of the micro-kernel's K loop,
/// which then hides their latency. A prefetch changes no value and never faults.
@inline(__always)
func prefetchTile(_ c: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ldc: Int) {
    for row in 0..<rows {
        let start = c + row * ldc
        var column = 0
        while column < cols {  // one per 16 floats (a cache line), and the row's last line
            nnfast_prefetch_for_write(start + column)
            column += 16
        }
        nnfast_prefetch_for_write(start + cols - 1)
    }
}
