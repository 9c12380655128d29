import Testing
@testable import NNFast

@Suite struct MatrixTests {
    /// The padding after each row's `cols` elements, which GEMM reads as zeros.
    private func padding(_ m: Matrix) -> [Float] {
        (0..<m.rows).flatMap { row in (m.cols..<m.rowStride).map { m.base[row * m.rowStride + $0] } }
    }

    @Test(arguments: [1, 7, 17, 31, 33, 100, 784])
    func rowsStartAlignedAndPaddingStaysZero(cols: Int) {
        let m = Matrix(rows: 3, cols: cols)
        #expect(m.rowStride >= cols && m.rowStride % gemmNR == 0)
        #expect(Int(bitPattern: UnsafeRawPointer(m.base)) % 64 == 0)
        m.setValues(randomFloats(3 * cols, seed: 1))
        m.fill(2.5)
        let other = Matrix(rows: 3, cols: cols, values: randomFloats(3 * cols, seed: 2))
        m.copy(from: other)
        #expect(m.values == other.values)
        #expect(padding(m).allSatisfy { $0 == 0 })
    }

    @Test func valuesRoundTripWithoutPadding() {
        let values = (0..<(5 * 17)).map(Float.init)
        let m = Matrix(rows: 5, cols: 17, values: values)
        #expect(m.values == values)
        #expect(m[4, 16] == 84)
    }

    @Test func blocksNameTheirRowsAndColumns() {
        let m = Matrix(rows: 6, cols: 33, values: (0..<(6 * 33)).map(Float.init))
        let block = m.block(rows: 2..<5, columns: 16..<33)
        #expect(block.start.pointee == m[2, 16])
        #expect(block.stride == m.rowStride)
        #expect(m.rows(1..<4).paddedRowsCount == 3 * m.rowStride)
        #expect(m.all.rows == 0..<6 && m.all.columns == 0..<33)
    }

    @Test func indexOfMaximumTakesTheFirstOnTies() {
        let m = Matrix(rows: 2, cols: 7, values: [0, 3, 1, 3, -1, 2, 0,
                                                  -5, -4, -3, -2, -1, -0.5, -0.25])
        #expect(m.indexOfMaximum(inRow: 0) == 1)
        #expect(m.indexOfMaximum(inRow: 1) == 6)
    }

    @Test func packedTransposedWeightsMatchAFreshPack() {
        // Repacking some rows leaves the panels as packing the whole of Wᵀ again would.
        let weights = Matrix(rows: 40, cols: 9, values: randomFloats(40 * 9, seed: 3))
        let kept = PackedTransposedWeights(inputSize: 40, outputSize: 9)
        kept.repack(from: weights, rows: 0..<40)
        weights.setValues(randomFloats(40 * 9, seed: 4))
        kept.repack(from: weights, rows: 0..<16)
        kept.repack(from: weights, rows: 16..<40)
        let fresh = PackedTransposedWeights(inputSize: 40, outputSize: 9)
        fresh.repack(from: weights, rows: 0..<40)
        let count = (40 + gemmNR - 1) / gemmNR * 9 * gemmNR
        #expect(Array(UnsafeBufferPointer(start: kept.panels, count: count))
                == Array(UnsafeBufferPointer(start: fresh.panels, count: count)))
    }
}
