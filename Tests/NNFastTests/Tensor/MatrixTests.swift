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

    /// The blocked transpose against its definition, on sizes around its 8×8 blocks, between
    /// blocks that start inside larger matrices; nothing outside the destination block changes.
    @Test(arguments: [1, 7, 8, 9, 17, 33, 100])
    func transposeMatchesTheDefinition(m: Int) {
        for n in [1, 7, 16, 31, 33] {
            let source = Matrix(rows: m + 3, cols: n + 5, values: randomFloats((m + 3) * (n + 5), seed: UInt64(100 * m + n)))
            let before = randomFloats((n + 2) * (m + 9), seed: UInt64(7 * m + n))
            let destination = Matrix(rows: n + 2, cols: m + 9, values: before)
            transpose(source.block(rows: 2..<(m + 2), columns: 3..<(n + 3)),
                      into: destination.block(rows: 1..<(n + 1), columns: 5..<(m + 5)))
            var mismatches = 0
            for row in 0..<(n + 2) {
                for column in 0..<(m + 9) {
                    let inside = (1..<(n + 1)).contains(row) && (5..<(m + 5)).contains(column)
                    let expected = inside ? source[column - 5 + 2, row - 1 + 3] : before[row * (m + 9) + column]
                    if destination[row, column].bitPattern != expected.bitPattern { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "m=\(m) n=\(n)")
        }
    }
}
