import CNNFastMath
import Dispatch

// The Goto/BLIS loop nest for large GEMMs, around the same micro-kernel:
//
//   for each worker's range of NR-wide column panels   (one fork for the whole call)
//     for each KC-deep slice of K                      (B slice: KC × the worker's columns, in L3)
//       pack B's slice of the worker's panels
//       for each MC-tall block of C's rows               (A block: MC × KC, packed, in L2/L3)
//         pack A's block into MR-tall panels
//         for each chunk of the worker's B panels        (B chunk: ~256 KiB, in L2)
//           for each MR-tall panel of the A block        (A panel: MR × KC = 12 KiB, in L1)
//             for each NR-wide panel of the chunk        (B panel: KC × NR, streamed from L2)
//               micro-kernel → MR × NR tile of C (6×32 with AVX-512, 6×16 otherwise)
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
// Threads split C by columns, so a worker never waits for another: each packs the B panels it
// multiplies and its own copy of every A block (copying A costs m·k per worker against
// 2·m·k·n/workers FLOPs, under 1% for the n ≥ 256 that come here).
// Splitting rows instead shares one packed B, but every K slice then needs all B panels packed
// before any thread multiplies — two forks per slice, and the second one waits on the slowest.
//
// KC = 512 vs 256 at 1024³ gave the same speed on one thread and ~2% more on two on Zen 4 (when
// threads still split rows); on Zen 3 256 was no faster in either loop order. KC is the one
// blocking size that changes results (it decides where C accumulates partial sums), so it is the
// same on every ISA. MC ≤ 144 rows keeps an A block (≤ 288 KiB) within L2.
// Determinism: each C element is summed over K slices in order by one thread — the same
// partial sums whatever the thread count, the loop order or the chunking.

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
/// The batch-32 MLP shapes stay unpacked.
func gemmPrefersPacked(m: Int, n: Int, k: Int) -> Bool {
    m >= 256 && n >= 256 && k >= 128
}

func gemmPacked<Tile: GEMMTile>(_ x: _GEMMOperands, tile: Tile.Type, epilogue: GEMMEpilogue, scratch: GEMMScratch, threads: Int) {
    let blocks = _GEMMRowBlocks(m: x.m, mr: Tile.mr, threads: threads)
    let workers = max(1, min(threads, blocks.count))
    let bSize = x.k * x.panelCount(width: Tile.nr) * Tile.nr
    let aSize = blocks.maxRows * gemmKC
    let buffer = scratch.reserve(bSize + workers * aSize)
    scratch.claims.reset()
    let plan = _GEMMPackedPlan<Tile>(x: x, epilogue: epilogue, blocks: blocks, claims: scratch.claims,
                                     packedB: buffer, packedA: buffer + bSize, aSize: aSize)
    if workers == 1 {
        plan.work(worker: 0)
    } else {
        DispatchQueue.concurrentPerform(iterations: workers) { worker in plan.work(worker: worker) }
    }
}

/// C's rows cut into blocks for the packed GEMM: near-equal, each a whole number of MR panels
/// (so every tile covers the same rows whatever the split) and at most MC rows, and — with
/// several threads — a multiple of the thread count, so on a quiet machine each thread claims
/// the same share.
struct _GEMMRowBlocks {
    let m: Int, mr: Int, count: Int
    /// Rows of the tallest block (the packed A region each worker needs, per K step).
    let maxRows: Int
    private let panels: Int

    init(m: Int, mr: Int, threads: Int) {
        self.m = m
        self.mr = mr
        panels = (m + mr - 1) / mr
        let threads = max(1, threads)
        var count = (m + gemmMCMax - 1) / gemmMCMax
        count = (count + threads - 1) / threads * threads
        self.count = max(1, min(count, panels))
        maxRows = (panels + self.count - 1) / self.count * mr
    }

    /// The rows of block `index`.
    func rows(_ index: Int) -> Range<Int> {
        let range = partition(panels, parts: count, index: index)
        return min(m, range.lowerBound * mr)..<min(m, range.upperBound * mr)
    }
}

/// The packed GEMM's operands, buffers and work. `@unchecked Sendable` because of the pointers:
/// the threads write packed B a unit each before any of them reads it (`_GEMMClaims` orders the
/// two), then each writes only its own A region and the rows of C in the blocks it claimed.
struct _GEMMPackedPlan<Tile: GEMMTile>: @unchecked Sendable {
    let x: _GEMMOperands
    let epilogue: GEMMEpilogue
    let blocks: _GEMMRowBlocks
    let claims: _GEMMClaims
    /// Every K slice of op(B), packed: slice after slice, each slice's panels after one another.
    let packedB: UnsafeMutablePointer<Float>
    let packedA: UnsafeMutablePointer<Float>
    let aSize: Int

    var panelCount: Int { x.panelCount(width: Tile.nr) }
    var sliceCount: Int { (x.k + gemmKC - 1) / gemmKC }
    /// B panels per packing unit and per multiplied chunk: ~`gemmChunkBytes` of them.
    var chunkPanels: Int { max(1, gemmChunkBytes / (gemmKC * Tile.nr * MemoryLayout<Float>.stride)) }
    var chunksPerSlice: Int { (panelCount + chunkPanels - 1) / chunkPanels }

    /// One thread's share: pack B units until none is left, wait for the rest to be packed,
    /// then compute row blocks until none is left, with worker `worker`'s A region.
    func work(worker: Int) {
        let packingUnits = sliceCount * chunksPerSlice
        while let unit = claims.claimPacking(below: packingUnits) {
            let slice = unit / chunksPerSlice, chunk = unit % chunksPerSlice
            packB(p0: slice * gemmKC, panels: chunk * chunkPanels..<min(panelCount, (chunk + 1) * chunkPanels))
            claims.finishPacking()
        }
        claims.waitForPacking(count: packingUnits)
        while let block = claims.claimBlock(below: blocks.count) {
            computeRows(blocks.rows(block), aBlock: packedA + worker * aSize)
        }
    }

    /// Where panel `panel` of the K slice starting at step `p0` starts in packed B.
    func panelStart(p0: Int, panel: Int) -> UnsafeMutablePointer<Float> {
        packedB + p0 * panelCount * Tile.nr + panel * min(gemmKC, x.k - p0) * Tile.nr
    }

    /// Packs the given NR-wide panels of op(B)'s K slice starting at `p0`: a row-major B a row at
    /// a time across the panels, a transposed one panel by panel (each reads NR rows in order).
    func packB(p0: Int, panels: Range<Int>) {
        let kc = min(gemmKC, x.k - p0)
        guard x.transB else {
            packRowsB(k: kc, n: x.n, nr: Tile.nr, panels: panels, b: x.b + p0 * x.ldb, ldb: x.ldb,
                      panelStart: { panelStart(p0: p0, panel: $0) })
            return
        }
        for panel in panels {
            let col0 = panel * Tile.nr
            packPanelB(transB: true, k: kc, col0: col0, width: min(Tile.nr, x.n - col0), nr: Tile.nr,
                       b: x.b + p0, ldb: x.ldb, into: panelStart(p0: p0, panel: panel))
        }
    }

    /// Computes C's `rows`, K slice after K slice: earlier slices write α·partial (+ β·C), later
    /// ones accumulate, and only the last applies the bias and activation.
    func computeRows(_ rows: Range<Int>, aBlock: UnsafeMutablePointer<Float>) {
        var p0 = 0
        while p0 < x.k {
            let kc = min(gemmKC, x.k - p0)
            var sliceEpilogue = epilogue
            if p0 > 0 { sliceEpilogue.beta = 1 }
            if p0 + kc < x.k {
                sliceEpilogue.bias = nil
                sliceEpilogue.activation = .identity
            }
            multiplyBlock(row0: rows.lowerBound, rows: rows.count, p0: p0, kc: kc, aBlock: aBlock,
                          epilogue: sliceEpilogue)
            p0 += kc
        }
    }

    /// Packs one row block of A's K slice and multiplies it against the slice's packed B panels,
    /// one L2-sized chunk of panels at a time.
    func multiplyBlock(row0: Int, rows: Int, p0: Int, kc: Int,
                       aBlock: UnsafeMutablePointer<Float>, epilogue: GEMMEpilogue) {
        var r = 0
        while r < rows {
            packPanelA(transA: x.transA, kc: kc, row0: row0 + r, height: min(Tile.mr, rows - r), mr: Tile.mr,
                       p0: p0, a: x.a, lda: x.lda, into: aBlock + r * kc)
            r += Tile.mr
        }
        var chunkStart = 0
        while chunkStart < panelCount {
            let chunk = chunkStart..<min(chunkStart + chunkPanels, panelCount)
            var r = 0
            while r < rows {
                let height = min(Tile.mr, rows - r)
                let cRows = x.c + (row0 + r) * x.ldc
                for panel in chunk {
                    let col0 = panel * Tile.nr
                    let width = min(Tile.nr, x.n - col0)
                    prefetchTile(cRows + col0, rows: height, cols: width, ldc: x.ldc)
                    Tile.multiply(
                        k: kc, a: aBlock + r * kc, aRowStride: 1, aKStride: Tile.mr,
                        b: panelStart(p0: p0, panel: panel), bKStride: Tile.nr,
                        c: cRows + col0, ldc: x.ldc, rows: height, cols: width,
                        column: col0, epilogue: epilogue)
                }
                r += Tile.mr
            }
            chunkStart = chunk.upperBound
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
