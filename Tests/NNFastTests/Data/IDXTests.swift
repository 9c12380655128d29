import Foundation
import Testing
@testable import NNFast

/// Builds an IDX header by hand (type byte, dimensions) followed by `payload`.
func idxBytes(type: UInt8, dims: [UInt32], payload: [UInt8], magic: (UInt8, UInt8) = (0, 0)) -> [UInt8] {
    var bytes: [UInt8] = [magic.0, magic.1, type, UInt8(dims.count)]
    for d in dims { bytes += [UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return bytes + payload
}

@Suite struct IDXTests {
    static let samples: [IDXArray] = [
        IDXArray(shape: [3, 2, 2], elements: .u8([0, 1, 2, 127, 128, 255, 9, 8, 7, 6, 5, 4])),
        IDXArray(shape: [5], elements: .i8([-128, -1, 0, 1, 127])),
        IDXArray(shape: [2, 3], elements: .i16([-32768, -2, 0, 3, 300, 32767])),
        IDXArray(shape: [4], elements: .i32([Int32.min, -70000, 70000, Int32.max])),
        IDXArray(shape: [1, 1, 3], elements: .f32([-1.5, 0, .greatestFiniteMagnitude])),
        IDXArray(shape: [2, 1, 1, 1], elements: .f64([.pi, -1e300])),
    ]

    @Test(arguments: samples)
    func roundTripsEveryElementType(array: IDXArray) throws {
        let bytes = array.encoded()
        #expect(bytes[2] == array.elementType.rawValue && Int(bytes[3]) == array.shape.count)
        #expect(try IDXArray.parse(bytes, file: "x") == array)
    }

    @Test func decodesBigEndian() throws {
        let parsed = try IDXArray.parse(idxBytes(type: 0x0B, dims: [2], payload: [0x01, 0x02, 0xFF, 0xFE]), file: "x")
        #expect(parsed.elements == .i16([0x0102, -2]))
    }

    @Test func refusesBadHeaders() {
        expectError("too short") { _ = try IDXArray.parse([0, 0], file: "f") }
        expectError("not gzip and not an IDX file") { _ = try IDXArray.parse(idxBytes(type: 8, dims: [1], payload: [1], magic: (0x50, 0x35)), file: "f") }
        expectError("unknown IDX element type 0a") { _ = try IDXArray.parse(idxBytes(type: 0x0A, dims: [1], payload: [1]), file: "f") }
        expectError("zero dimensions") { _ = try IDXArray.parse(idxBytes(type: 8, dims: [], payload: []), file: "f") }
        expectError("truncated IDX header") { _ = try IDXArray.parse([0, 0, 8, 3, 0, 0, 0, 1], file: "f") }
        expectError("truncated IDX data") { _ = try IDXArray.parse(idxBytes(type: 0x0C, dims: [3], payload: [0, 0, 0, 1]), file: "f") }
        expectError("unexpected bytes after") { _ = try IDXArray.parse(idxBytes(type: 8, dims: [2], payload: [1, 2, 3]), file: "f") }
    }

    @Test func aHeaderClaimingAGiantArrayIsRefusedBeforeAllocating() {
        // 10⁹ × 28 × 28 bytes would be 784 GB: beyond the documented limit, refused from the header.
        expectError("more than the 4 GiB nnfast accepts") {
            _ = try IDXArray.parse(idxBytes(type: 8, dims: [1_000_000_000, 28, 28], payload: [1, 2, 3]), file: "f")
        }
        // Within the limit, the check against the real byte count comes before any allocation.
        expectError("truncated IDX data") {
            _ = try IDXArray.parse(idxBytes(type: 8, dims: [1_000_000, 28, 28], payload: [1, 2, 3]), file: "f")
        }
        expectError("f:") {
            _ = try IDXArray.parse(idxBytes(type: 0x0E, dims: [UInt32.max, UInt32.max, UInt32.max], payload: []), file: "f")
        }
    }
}

@Suite struct GzipTests {
    static var fixture: [UInt8] { try! FileBytes.read(smallMNIST + "/t10k-labels-idx1-ubyte.gz") }

    @Test func inflatesTheFixture() throws {
        let plain = try Gzip.decompress(Self.fixture, file: "labels.gz")
        #expect(plain.count == 8 + 500)
        #expect(try IDXArray.parse(plain, file: "labels").shape == [500])
    }

    @Test func concatenatedMembersAreOneStream() throws {
        let once = try Gzip.decompress(Self.fixture, file: "a")
        #expect(try Gzip.decompress(Self.fixture + Self.fixture, file: "a") == once + once)
    }

    @Test func truncatedAtEveryKindOfOffsetIsAnError() {
        let bytes = Self.fixture
        for cut in [bytes.count - 1, bytes.count - 4, bytes.count - 8, bytes.count / 2, 30, 18] {
            expectError("trunc") { _ = try Gzip.decompress(Array(bytes[0..<cut]), file: "t.gz") }
        }
        expectError("truncated gzip file") { _ = try Gzip.decompress([0x1F, 0x8B, 8], file: "t.gz") }
    }

    @Test func corruptDataAndTrailingGarbageAreErrors() {
        var corrupt = Self.fixture
        corrupt[corrupt.count - 6] ^= 0xFF  // inside the CRC-32 trailer
        expectError("corrupt gzip data") { _ = try Gzip.decompress(corrupt, file: "c.gz") }
        var flipped = Self.fixture
        flipped[40] ^= 0x55
        expectError("c.gz:") { _ = try Gzip.decompress(flipped, file: "c.gz") }
        expectError("unexpected bytes after the end") { _ = try Gzip.decompress(Self.fixture + [1, 2, 3], file: "g.gz") }
    }

    @Test func outputBeyondTheLimitIsRefused() {
        expectError("more than 100 bytes") { _ = try Gzip.decompress(Self.fixture, file: "b.gz", limit: 100) }
        // Exactly the limit is fine.
        #expect((try? Gzip.decompress(Self.fixture, file: "b.gz", limit: 508))?.count == 508)
    }

    @Test func aPrefixIsTheStartOfTheFullOutputEvenWhenTheFileIsCutOff() throws {
        let full = try Gzip.decompress(Self.fixture, file: "p.gz")
        #expect(try Gzip.decompressPrefix(Self.fixture, file: "p.gz", count: 20) == Array(full[0..<20]))
        #expect(try Gzip.decompressPrefix(Self.fixture, file: "p.gz", count: 10_000) == full)
        let cut = Array(Self.fixture[0..<(Self.fixture.count - 10)])
        let partial = try Gzip.decompressPrefix(cut, file: "p.gz", count: 10_000)
        #expect(!partial.isEmpty && partial == Array(full[0..<partial.count]))
    }

    @Test func theLargestPossibleInflationIsBounded() {
        #expect(Gzip.maximumInflatedSize(compressedBytes: 1000) == 1_032_000)
        #expect(Gzip.maximumInflatedSize(compressedBytes: Int.max / 2) == Int.max)
    }
}

/// Fixtures/corrupt-idx (tools/make_corrupt_fixtures.py): broken training-image files, each
/// refused with the reason, before anything its header claims is allocated.
@Suite struct CorruptIDXFixtureTests {
    static let expected: [String: String] = [
        "bomb.gz": "decompresses to more than the 7856 bytes its IDX header declares",
        "count-mismatch.gz": "",  // a valid file on its own: the count mismatch is the dataset's
        "header-claims-more.gz": "truncated IDX data",
        "header-claims-terabytes.gz": "more than the 4 GiB nnfast accepts",
        "lying-isize.gz": "corrupt gzip data: incorrect length check",
        "not-gzip-not-idx.gz": "not gzip and not an IDX file",
        "trailing-garbage.gz": "unexpected bytes after the end of the gzip data",
        "truncated.gz": "truncated gzip data",
        "unknown-element-type.gz": "unknown IDX element type 07",
        "wrong-idx-magic.gz": "decompresses to something that is not an IDX file",
    ]

    @Test func everyFixtureIsRefusedWithItsReason() throws {
        let folder = packageRoot.appendingPathComponent("Fixtures/corrupt-idx")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == Self.expected.keys.sorted())
        for name in names where !Self.expected[name]!.isEmpty {
            let path = folder.appendingPathComponent(name).path
            expectError(Self.expected[name]!) { _ = try IDXArray.load(path) }
        }
        let labels = try IDXArray.load(smallMNIST + "/t10k-labels-idx1-ubyte.gz")
        let images = try IDXArray.load(folder.appendingPathComponent("count-mismatch.gz").path)
        expectError("499 images") {
            _ = try Dataset(images: images, imagesSource: "i", labels: labels, labelsSource: "l")
        }
    }
}

@Suite struct DatasetTests {
    @Test func gzipAndPlainFoldersGiveIdenticalDatasets() throws {
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for stem in DatasetFolder.fileStems {
            let compressed = try FileBytes.read(smallMNIST + "/\(stem).gz")
            writeFile(try Gzip.decompress(compressed, file: stem), to: folder.appendingPathComponent(stem))
        }
        let gzipped = try DatasetFolder.load(smallMNIST)
        let plain = try DatasetFolder.load(folder.path)
        #expect(gzipped.train.count == 2000 && gzipped.test.count == 500)
        #expect(gzipped.train.imageShape == [28, 28])
        #expect(gzipped.train.pixels == plain.train.pixels && gzipped.train.labels == plain.train.labels)
        #expect(gzipped.test.pixels == plain.test.pixels && gzipped.test.labels == plain.test.labels)
    }

    @Test func pairsImagesWithLabelsOrSaysWhyNot() {
        let images = IDXArray(shape: [3, 2, 2], elements: .u8(Array(repeating: 1, count: 12)))
        expectError("has 2 labels but img has 3 images") {
            _ = try Dataset(images: images, imagesSource: "img", labels: IDXArray(shape: [2], elements: .u8([0, 1])), labelsSource: "lab")
        }
        expectError("images must be u8") {
            _ = try Dataset(images: IDXArray(shape: [1, 1], elements: .f32([0])), imagesSource: "img",
                            labels: IDXArray(shape: [1], elements: .u8([0])), labelsSource: "lab")
        }
        expectError("labels must be integers") {
            _ = try Dataset(images: images, imagesSource: "img", labels: IDXArray(shape: [3], elements: .f64([0, 1, 2])), labelsSource: "lab")
        }
        expectError("label -1 at index 1") {
            _ = try Dataset(images: images, imagesSource: "img", labels: IDXArray(shape: [3], elements: .i8([0, -1, 2])), labelsSource: "lab")
        }
        expectError("images need at least 2 dimensions") {
            _ = try Dataset(images: IDXArray(shape: [3], elements: .u8([1, 2, 3])), imagesSource: "img",
                            labels: IDXArray(shape: [3], elements: .u8([0, 1, 2])), labelsSource: "lab")
        }
    }

    @Test func labelsOutsideTheClassRangeNameTheFile() throws {
        let dataset = Dataset(imageShape: [2], pixels: [0, 0, 0, 0], labels: [1, 12], labelsSource: "lab.idx")
        expectError("lab.idx: label 12 at index 1 is outside the network's class range 0...9") {
            try dataset.checkLabels(classCount: 10)
        }
        try dataset.checkLabels(classCount: 13)
    }

    @Test func missingFolderOrFileIsNamed() throws {
        expectError("/nonexistent/data: no such data folder") { _ = try DatasetFolder.load("/nonexistent/data") }
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        expectError("missing train-images-idx3-ubyte.gz") { _ = try DatasetFolder.load(folder.path) }
        expectError("no such file") { _ = try IDXArray.load(folder.appendingPathComponent("nope").path) }
        expectError("is a folder") { _ = try IDXArray.load(folder.path) }
    }

    @Test func gatherScalesPixelsToTheUnitInterval() {
        let dataset = Dataset(imageShape: [17], pixels: (0..<34).map { UInt8($0 * 7) }, labels: [3, 4], labelsSource: "l")
        let network = Network(sizes: [17, 2], activation: .relu, outputActivation: .identity, loss: .softmaxCrossEntropy)
        let workspace = NetworkWorkspace(network: network, capacity: 2)
        dataset.gather([1, 0], into: workspace)
        for j in 0..<17 {
            #expect(abs(workspace.input[0, j] - Float((17 + j) * 7) / 255) < 1e-7)
            #expect(abs(workspace.input[1, j] - Float(j * 7) / 255) < 1e-7)
        }
        #expect(workspace.labels.prefix(2) == [4, 3])
    }
}
