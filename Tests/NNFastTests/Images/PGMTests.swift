import Foundation
import Testing
@testable import NNFast

@Suite struct PGMTests {
    @Test func readsBinaryAsciiAndSixteenBitWithComments() throws {
        let p5 = try PGM.decode(Array("P5\n# a comment\n3 2\n# another\n255\n".utf8) + [0, 128, 255, 1, 2, 3], file: "a.pgm")
        #expect(p5.width == 3 && p5.height == 2 && p5.maxval == 255)
        #expect(p5.samples255 == [0, 128, 255, 1, 2, 3])
        let p2 = try PGM.decode(Array("P2 3 1 # size\n 15\n0 15\n7\n".utf8), file: "b.pgm")
        #expect(p2.maxval == 15 && p2.pixels[0] == 0 && p2.pixels[1] == 1 && abs(p2.pixels[2] - Float(7) / 15) < 1e-7)
        let wide = try PGM.decode(Array("P5 2 1 65535\n".utf8) + [0xFF, 0xFF, 0x80, 0x00], file: "c.pgm")
        #expect(wide.pixels[0] == 1 && abs(wide.pixels[1] - 0.5) < 1e-4)
    }

    @Test func encodeRoundTrips() throws {
        let image = GrayImage(width: 4, height: 3, pixels: (0..<12).map { Float($0 * 20) / 255 })
        #expect(try PGM.decode(PGM.encode(image), file: "r.pgm").samples255 == image.samples255)
        let sixteen = try PGM.decode(PGM.encode(image, sixteenBit: true), file: "r.pgm")
        #expect(sixteen.maxval == 65535 && zip(sixteen.pixels, image.pixels).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func refusesBrokenFilesWithTheirReason() {
        expectError("not a PGM image") { _ = try PGM.decode(Array("P6\n1 1\n255\n".utf8), file: "x") }
        expectError("ends before its height") { _ = try PGM.decode(Array("P5 28".utf8), file: "x") }
        expectError("maxval 0 is outside") { _ = try PGM.decode(Array("P5 1 1 0\n".utf8) + [0], file: "x") }
        expectError("more than 16777216 pixels") { _ = try PGM.decode(Array("P5 70000 70000 255\n".utf8), file: "x") }
        expectError("the header says 4") { _ = try PGM.decode(Array("P5 2 2 255\n".utf8) + [1], file: "x") }
        expectError("too few for the 4 samples") { _ = try PGM.decode(Array("P2 2 2 255 7".utf8), file: "x") }
        expectError("ends after 3 of 4 samples") { _ = try PGM.decode(Array("P2 2 2 255 7 8 9    ".utf8), file: "x") }
        expectError("exceeds maxval") { _ = try PGM.decode(Array("P2 1 1 9 10".utf8), file: "x") }
        expectError("unexpected byte") { _ = try PGM.decode(Array("P2 1 -1 9 1".utf8), file: "x") }
    }
}

@Suite struct PNGTests {
    static let folder = packageRoot.appendingPathComponent("Fixtures/digits/transformed")

    /// RGB (row filters cycling through all five types) and RGBA over a transparent background:
    /// both decode to light paper with a dark digit somewhere inside.
    @Test(arguments: ["0002-1.png", "0003-0.png"])
    func decodesColorAndAlphaToGray(name: String) throws {
        let path = Self.folder.appendingPathComponent(name).path
        let image = try ImageFile.decode(try FileBytes.read(path), file: path)
        #expect(image.width == 130 && image.height == 150)
        #expect(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(image[0, 0] > 0.8 && (image.pixels.min() ?? 1) < 0.3)
    }

    @Test func refusesBrokenFilesWithTheirReason() throws {
        let bytes = try FileBytes.read(Self.folder.appendingPathComponent("0002-1.png").path)
        var corrupt = bytes
        corrupt[bytes.count / 2] ^= 0x20
        expectError("CRC mismatch") { _ = try PNG.decode(corrupt, file: "x.png") }
        expectError("truncated PNG") { _ = try PNG.decode(Array(bytes.prefix(bytes.count - 30)), file: "x.png") }
        expectError("not a PGM or PNG image") { _ = try ImageFile.decode(Array("GIF89a".utf8), file: "x.gif") }
    }
}
