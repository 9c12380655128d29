import Foundation
import Testing
@testable import NNFast

/// Fixtures/digits: the first 100 MNIST test digits as 28×28 PGMs, and the same digits made to
/// look like users' images (tools/make_digit_images.py); Fixtures/models holds a model trained
/// with `nnfast train --epochs 10` (97.75% test accuracy).
struct DigitFixtures {
    static func loadModel() throws -> ModelFile {
        try ModelFile.load(packageRoot.appendingPathComponent("Fixtures/models/mnist-784-100-200-10.nnw").path)
    }
    static let folder = packageRoot.appendingPathComponent("Fixtures/digits")

    static func files(_ subfolder: String) -> [(path: String, label: Int)] {
        let directory = folder.appendingPathComponent(subfolder)
        return try! FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map { name in
            (directory.appendingPathComponent(name).path, Int(String(name.dropLast(4).last!))!)
        }
    }

    static func accuracy(_ subfolder: String, raw: Bool) throws -> Double {
        let model = try loadModel()
        let files = files(subfolder)
        var correct = 0
        for file in files {
            let image = try ImageFile.decode(try FileBytes.read(file.path), file: file.path)
            let input = raw ? image : DigitPreprocessing.mnistStyle(image)
            if model.predict(samples255: input.samples255).ranked[0].label == file.label { correct += 1 }
        }
        return Double(correct) / Double(files.count)
    }
}

@Suite struct DigitPreprocessingTests {
    @Test func rawPGMsPredictExactlyAsEvaluationDoes() throws {
        let test = try DatasetFolder.load(packageRoot.appendingPathComponent("Fixtures/mnist").path).test
        let model = try DigitFixtures.loadModel()
        let network = model.network
        let workspace = NetworkWorkspace(network: network, capacity: 100)
        test.gather(0..<100, into: workspace)
        let output = network.forward(rows: 0..<100, workspace: workspace, scratch: GEMMScratch())
        var evaluated = Array(repeating: 0, count: 100)
        network.argmaxRows(output, rows: 0..<100, into: &evaluated)
        for (index, file) in DigitFixtures.files("mnist").enumerated() {
            let image = try PGM.decode(try FileBytes.read(file.path), file: file.path)
            let prediction = model.predict(samples255: image.samples255)
            #expect(prediction.ranked[0].label == evaluated[index], "\(file.path)")
            #expect(file.label == Int(test.labels[index]))
        }
    }

    /// Bars (measured on 1,000 images in the issue note; here on the 100 committed ones): default
    /// preparation of MNIST's own images is within one image of raw, and users'-style images keep
    /// at least 95% of the accuracy.
    @Test func preparationKeepsAccuracyOnOriginalsAndUsersStyleImages() throws {
        let raw = try DigitFixtures.accuracy("mnist", raw: true)
        let prepared = try DigitFixtures.accuracy("mnist", raw: false)
        let transformed = try DigitFixtures.accuracy("transformed", raw: false)
        #expect(raw >= 0.95)
        #expect(abs(prepared - raw) <= 0.01, "prepared \(prepared) vs raw \(raw)")
        #expect(transformed >= 0.95 * raw, "transformed \(transformed) vs raw \(raw)")
    }

    @Test func invertsDarkInkOnLightPaperAndCentersByMass() {
        // A dark 10×30 bar on white, off to the top left of a 100×80 page.
        var page = GrayImage(width: 100, height: 80, pixels: Array(repeating: 1, count: 8000))
        for y in 5..<35 { for x in 10..<20 { page[x, y] = 0 } }
        let field = DigitPreprocessing.mnistStyle(page)
        #expect(field.width == 28 && field.height == 28)
        var mass: Float = 0, sx: Float = 0, sy: Float = 0, rows = Set<Int>()
        for y in 0..<28 { for x in 0..<28 where field[x, y] > 0.5 { mass += 1; sx += Float(x); sy += Float(y); rows.insert(y) } }
        #expect(abs(sx / mass - 14) <= 1 && abs(sy / mass - 14) <= 1)
        #expect(rows.count == 20)  // the longer side scaled to 20 pixels
        #expect(field[0, 0] == 0)  // the paper became black
    }
}
