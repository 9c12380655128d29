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
    let panelCount = x.panelCount(width: Tile.nr)
    let workers = max(1, min(threads, panelCount))
    // Row blocks of near-equal height, each ≤ MC and a whole number of MR panels.
    let blockCount = (x.m + gemmMCMax - 1) / gemmMCMax
    let blockRows = ((x.m + blockCount - 1) / blockCount + Tile.mr - 1) / Tile.mr * Tile.mr
    let bSize = panelCount * gemmKC * Tile.nr
    let aSize = blockRows * gemmKC
    let buffer = scratch.reserve(bSize + workers * aSize)
    let plan = _GEMMPackedPlan<Tile>(x: x, epilogue: epilogue, packedB: buffer, packedA: buffer + bSize,
                                     aSize: aSize, blockRows: blockRows)
    if workers == 1 {
        plan.compute(panels: 0..<panelCount, worker: 0)
    } else {
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            plan.compute(panels: partition(panelCount, parts: workers, index: worker), worker: worker)
        }
    }
}

/// The packed GEMM's operands and buffers. `@unchecked Sendable` because of the pointers:
/// each worker packs and writes only its own column panels (of packed B and of C) and its own
/// A region.
struct _GEMMPackedPlan<Tile: GEMMTile>: @unchecked Sendable {
    let x: _GEMMOperands
    let epilogue: GEMMEpilogue
    let packedB: UnsafeMutablePointer<Float>
    let packedA: UnsafeMutablePointer<Float>
    let aSize: Int, blockRows: Int

    /// Computes C's columns in `panels`, K slice after K slice, with worker `worker`'s A region.
    func compute(panels: Range<Int>, worker: Int) {
        guard !panels.isEmpty else { return }
        var p0 = 0
        while p0 < x.k {
            let kc = min(gemmKC, x.k - p0)
            // Earlier slices have already written α·partial (+ β·C): later ones accumulate, and
            // only the last applies the bias and activation.
            var sliceEpilogue = epilogue
            if p0 > 0 { sliceEpilogue.beta = 1 }
            if p0 + kc < x.k {
                sliceEpilogue.bias = nil
                sliceEpilogue.activation = .identity
            }
            packB(p0: p0, kc: kc, panels: panels)
            var row0 = 0
            while row0 < x.m {
                multiplyBlock(row0: row0, rows: min(blockRows, x.m - row0), p0: p0, kc: kc, panels: panels,
                              aBlock: packedA + worker * aSize, epilogue: sliceEpilogue)
                row0 += blockRows
            }
            p0 += kc
        }
    }

    /// Where packed panel `panel` of op(B) starts: a whole KC deep apart, not the current
    /// slice's kc — workers move through the K slices at their own pace, and a worker on the
    /// short last slice must not pack into the room of a neighbour's panel still in use.
    func panelStart(_ panel: Int) -> UnsafeMutablePointer<Float> {
        packedB + panel * gemmKC * Tile.nr
    }

    /// Packs K slice `[p0, p0 + kc)` of the given NR-wide panels of op(B): a row-major B a row at
    /// a time across the panels, a transposed one panel by panel (each reads NR rows in order).
    func packB(p0: Int, kc: Int, panels: Range<Int>) {
        guard x.transB else {
            packRowsB(k: kc, n: x.n, nr: Tile.nr, panels: panels, b: x.b + p0 * x.ldb, ldb: x.ldb,
                      panelStart: panelStart)
            return
        }
        for panel in panels {
            let col0 = panel * Tile.nr
            packPanelB(transB: true, k: kc, col0: col0, width: min(Tile.nr, x.n - col0), nr: Tile.nr,
                       b: x.b + p0, ldb: x.ldb, into: panelStart(panel))
        }
    }

    /// Packs one row block of A's K slice and multiplies it against the packed B panels, one
    /// L2-sized chunk of panels at a time.
    func multiplyBlock(row0: Int, rows: Int, p0: Int, kc: Int, panels: Range<Int>,
                       aBlock: UnsafeMutablePointer<Float>, epilogue: GEMMEpilogue) {
        var r = 0
        while r < rows {
            packPanelA(transA: x.transA, kc: kc, row0: row0 + r, height: min(Tile.mr, rows - r), mr: Tile.mr,
                       p0: p0, a: x.a, lda: x.lda, into: aBlock + r * kc)
            r += Tile.mr
        }
        let chunkPanels = max(1, gemmChunkBytes / (gemmKC * Tile.nr * MemoryLayout<Float>.stride))
        var chunkStart = panels.lowerBound
        while chunkStart < panels.upperBound {
            let chunk = chunkStart..<min(chunkStart + chunkPanels, panels.upperBound)
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
                        b: panelStart(panel), bKStride: Tile.nr,
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
