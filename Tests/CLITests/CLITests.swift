import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite struct TrainCommandTests {
    @Test func trainsOnTheSmallFixtureAndWritesMetrics() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let metrics = folder.appendingPathComponent("run.jsonl").path
        let model = folder.appendingPathComponent("small.nnw").path
        let result = try nnfast(["train", "--data", smallMNIST, "--layers", "784,16,10", "--epochs", "2",
                                 "--validation", "500", "--metrics", metrics, "--out", model])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("epoch 1/2") && result.stdout.contains("epoch 2/2"))
        #expect(result.stdout.contains("final: test"))
        let lines = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        for (index, line) in lines.enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            #expect(object["epoch"] as? Int == index + 1)
            for key in ["train_loss", "validation_accuracy", "test_accuracy", "train_seconds", "samples_per_second"] {
                #expect(object[key] is Double, "missing \(key) in \(line)")
            }
        }

        // The saved model: `info` describes it, `eval` reproduces the last epoch's test accuracy.
        let info = try nnfast(["info", model, "--json"])
        #expect(info.status == 0, "stderr: \(info.stderr)")
        let infoObject = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
        #expect(infoObject["parameters"] as? Int == 784 * 16 + 16 + 16 * 10 + 10)
        #expect(infoObject["input_shape"] as? [Int] == [28, 28])
        let metadata = infoObject["metadata"] as! [String: String]
        #expect(metadata["epochs_completed"] == "2" && metadata["seed"] == "42")
        let eval = try nnfast(["eval", model, "--data", smallMNIST, "--json"])
        #expect(eval.status == 0, "stderr: \(eval.stderr)")
        let evalObject = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        let lastEpoch = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as! [String: Any]
        #expect(evalObject["accuracy"] as? Double == lastEpoch["test_accuracy"] as? Double)
        let confusion = evalObject["confusion"] as! [[Int]]
        #expect(confusion.count == 10 && confusion.joined().reduce(0, +) == 500)
    }

    @Test func badModelsExit1NamingTheFile() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("m.nnw").path
        let result = try nnfast(["train", "--data", smallMNIST, "--layers", "784,8,10", "--epochs", "1",
                                 "--validation", "0", "--quiet", "--out", model])
        #expect(result.status == 0)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: model)))
        let truncated = folder.appendingPathComponent("truncated.nnw").path
        FileManager.default.createFile(atPath: truncated, contents: Data(bytes.prefix(bytes.count / 2)))
        expectFailure(try nnfast(["info", truncated]), status: 1, "truncated.nnw", "truncated model")
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x40
        let corrupt = folder.appendingPathComponent("corrupt.nnw").path
        FileManager.default.createFile(atPath: corrupt, contents: Data(flipped))
        expectFailure(try nnfast(["eval", corrupt, "--data", smallMNIST]), status: 1, "corrupt.nnw", "CRC-32 mismatch")
        expectFailure(try nnfast(["info", folder.appendingPathComponent("none.nnw").path]), status: 1, "none.nnw", "no such file")
        expectFailure(try nnfast(["info", smallMNIST + "/t10k-labels-idx1-ubyte.gz"]), status: 1, "not an nnfast model")
        let other = folder.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        expectFailure(try nnfast(["train", "--data", smallMNIST, "--layers", "784,10", "--epochs", "1", "--validation", "0",
                                  "--out", other.appendingPathComponent("x/y.nnw").path]), status: 1, "y.nnw", "not a writable folder")
    }

    @Test func quietPrintsOnlyTheFinalLine() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try nnfast(["train", "--data", smallMNIST, "--layers", "784,8,10", "--epochs", "1", "--validation", "0",
                                 "--quiet", "--out", folder.appendingPathComponent("q.nnw").path])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").count == 1 && result.stdout.hasPrefix("final: test"))
    }

    @Test func helpShowsEveryDefault() throws {
        let result = try nnfast(["train", "--help"])
        #expect(result.status == 0)
        for fragment in ["--preset", "fast|best|tutorial", "784,100,200,10", "default: relu", "softmax-ce", "tutorial: xavier",
                         "tutorial: 0.1", "tutorial: 32", "tutorial: 10", "tutorial: sgd", "tutorial: constant", "fast: 5000",
                         "default: 0.9", "0.999", "best|last", "default: 42", "10000", "--metrics", "--threads", "--quiet"] {
            #expect(result.stdout.contains(fragment), "help lacks \(fragment)")
        }
    }

    @Test func flagsThatMakeNoSenseExit64NamingTheFlag() throws {
        expectFailure(try nnfast(["train", "--optimizer", "adam", "--momentum", "0.9"]), status: 64,
                      "--momentum", "only applies to --optimizer momentum or nesterov")
        expectFailure(try nnfast(["train", "--optimizer", "sgd", "--beta2", "0.99"]), status: 64, "--beta2", "adam")
        expectFailure(try nnfast(["train", "--validation", "0", "--patience", "3"]), status: 64,
                      "--patience", "needs a validation set")
        expectFailure(try nnfast(["train", "--validation", "0", "--keep", "best"]), status: 64, "--keep")
        expectFailure(try nnfast(["train", "--preset", "fastest"]), status: 64, "--preset")
        expectFailure(try nnfast(["train", "--schedule", "linear", "--step-factor", "0.5"]), status: 64,
                      "--step-factor", "only applies to --schedule step")
        expectFailure(try nnfast(["train", "--warmup", "-1"]), status: 64, "--warmup")
        expectFailure(try nnfast(["train", "--dropout=-0.1"]), status: 64, "--dropout", "probability")
        expectFailure(try nnfast(["train", "--rotate", "5"]), status: 64, "--rotate", "only applies with --augment")
        expectFailure(try nnfast(["train", "--augment", "affine", "--elastic-alpha", "30"]), status: 64, "--elastic-alpha")
        expectFailure(try nnfast(["train", "--augment", "elastic", "--elastic-sigma", "40"]), status: 64, "--elastic-sigma", "0.5...16")
        expectFailure(try nnfast(["train", "--augment", "wobbly"]), status: 64, "--augment")
        expectFailure(try nnfast(["train", "--momentum", "1.5"]), status: 64, "--momentum", "[0, 1)")
        expectFailure(try nnfast(["train", "--resume", "x.nnw", "--lr", "0.1"]), status: 64,
                      "--lr", "cannot change when resuming")
    }

    @Test func presetsPrintTheirFlagsAndFlagsOverrideThem() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("p.nnw").path
        let result = try nnfast(["train", "--data", smallMNIST, "--layers", "784,16,10", "--epochs", "2",
                                 "--validation", "500", "--out", model])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("preset fast: --layers 784,100,200,10 --optimizer nesterov"))
        #expect(result.stdout.contains("(overridden: --layers --validation --epochs)"))
        #expect(result.stdout.contains("saved: \(model): the best epoch"))
        let info = try nnfast(["info", model, "--json"])
        let metadata = (try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any])["metadata"] as! [String: Any]
        #expect(metadata["optimizer"] as? String == "nesterov" && metadata["layers"] as? String == "784,16,10")
        #expect(metadata["best_epoch"] != nil && metadata["saved_epoch"] != nil)
        let state = (try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any])["training_state"] as! [[String: Any]]
        #expect(state.contains { $0["name"] as? String == "optimizer.velocity.layer.1.weight" && $0["rows"] as? Int == 784 })
        let text = try nnfast(["info", model])
        #expect(text.stdout.contains("training state (for --resume; not used by predict or eval)"))
        #expect(text.stdout.contains("optimizer.velocity.* (4)"))

        let tutorial = try nnfast(["train", "--preset", "tutorial", "--data", smallMNIST, "--layers", "784,16,10",
                                   "--epochs", "1", "--validation", "500", "--out", model])
        #expect(tutorial.stdout.contains("preset tutorial: --layers 784,100,200,10 --optimizer sgd --lr 0.1 --schedule constant --batch 32 --epochs 10 --init xavier --validation 10000 --keep last"))
        #expect(tutorial.stdout.contains("saved: \(model): the last epoch, 1"))

        // The fast preset's label smoothing goes with its softmax-ce: another loss drops it, and
        // only a --label-smoothing the user gives clashes with that loss.
        let squared = try nnfast(["train", "--data", smallMNIST, "--layers", "784,16,10", "--loss", "mse",
                                  "--epochs", "1", "--validation", "500", "--out", model])
        #expect(squared.status == 0, "stderr: \(squared.stderr)")
        #expect(squared.stdout.contains("--label-smoothing 0.05") && !squared.stdout.contains("label smoothing 0.05"))
        expectFailure(try nnfast(["train", "--loss", "mse", "--label-smoothing", "0.05"]), status: 64,
                      "--label-smoothing", "softmax-ce only")
    }

    @Test func badOptionsExit64WithOneLine() throws {
        expectFailure(try nnfast(["train", "--epochs", "0"]), status: 64, "--epochs", "at least 1")
        expectFailure(try nnfast(["train", "--batch", "0"]), status: 64, "--batch")
        expectFailure(try nnfast(["train", "--lr=-0.1"]), status: 64, "--lr", "positive")
        expectFailure(try nnfast(["train", "--data", smallMNIST, "--layers", "100,10"]), status: 64,
                      "--layers", "starts with 100", "784 pixels")
        expectFailure(try nnfast(["train", "--data", smallMNIST, "--layers", "784,30,11"]), status: 64,
                      "--layers", "ends with 11 outputs")
    }

    @Test func badDataExits1NamingTheFile() throws {
        expectFailure(try nnfast(["train", "--data", "/no/such/folder"]), status: 1, "/no/such/folder", "no such data folder")

        let missing = try brokenFolder(replacing: "t10k-labels-idx1-ubyte", with: nil)
        expectFailure(try nnfast(["train", "--data", missing.path]), status: 1, "missing t10k-labels-idx1-ubyte.gz")

        let original = try Data(contentsOf: URL(fileURLWithPath: smallMNIST + "/train-images-idx3-ubyte.gz"))
        let truncated = try brokenFolder(replacing: "train-images-idx3-ubyte", with: [UInt8](original.prefix(original.count / 2)))
        expectFailure(try nnfast(["train", "--data", truncated.path]), status: 1, "train-images-idx3-ubyte.gz", "truncated gzip")

        let notIDX = try brokenFolder(replacing: "train-labels-idx1-ubyte", with: Array("hello, world".utf8))
        expectFailure(try nnfast(["train", "--data", notIDX.path]), status: 1, "train-labels-idx1-ubyte.gz", "not gzip and not an IDX file")

        // Labels that disagree with the images in count.
        let shortLabels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]
        let mismatch = try brokenFolder(replacing: "t10k-labels-idx1-ubyte", with: shortLabels)
        expectFailure(try nnfast(["train", "--data", mismatch.path]), status: 1, "has 3 labels but", "500 images")

        for folder in [missing, truncated, notIDX, mismatch] { try? FileManager.default.removeItem(at: folder) }
    }
}

let fixtures = packageRoot.appendingPathComponent("Fixtures")
let mnistModel = fixtures.appendingPathComponent("models/mnist-784-100-200-10.nnw").path

@Suite struct PredictCommandTests {
    @Test func predictsUsersImagesWithTopKAndJSON() throws {
        let seven = fixtures.appendingPathComponent("digits/transformed/0000-7.pgm").path
        let two = fixtures.appendingPathComponent("digits/transformed/0001-2.pgm").path  // ASCII P2
        let text = try nnfast(["predict", mnistModel, seven, two])
        #expect(text.status == 0, "stderr: \(text.stderr)")
        #expect(text.stdout.contains("0000-7.pgm: 7 (") && text.stdout.contains("0001-2.pgm: 2 ("))
        let json = try nnfast(["predict", mnistModel, seven, "--json", "--top", "4"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(object["label"] as? String == "7" && object["file"] as? String == seven)
        let top = object["top"] as! [[Any]]
        #expect(top.count == 4 && top[0][0] as? String == "7")
        let probabilities = top.map { $0[1] as! Double }
        #expect(probabilities == probabilities.sorted(by: >) && probabilities[0] > 0.5)
    }

    @Test func readsAnImageFromStandardInput() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("nnfast")
        process.arguments = ["predict", mnistModel, "-", "--raw"]
        process.standardInput = try FileHandle(forReadingFrom: fixtures.appendingPathComponent("digits/mnist/0002-1.pgm"))
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && output.hasPrefix("(stdin): 1 ("))
    }

    @Test func everyCorruptFixtureFailsWithOneLineNamingIt() throws {
        let corrupt = fixtures.appendingPathComponent("corrupt")
        let names = try FileManager.default.contentsOfDirectory(atPath: corrupt.path).sorted()
        #expect(names.count >= 21)
        for name in names {
            let path = corrupt.appendingPathComponent(name).path
            let result = name.hasSuffix(".nnw")
                ? try nnfast(["info", path])
                : try nnfast(["predict", mnistModel, path, "--raw"])
            expectFailure(result, status: name == "wrong-size-for-raw.pgm" ? 64 : 1, name)
        }
        expectFailure(try nnfast(["predict", mnistModel, "--top", "0", "x.pgm"]), status: 64, "--top")
    }
}

/// A plain-IDX dataset folder whose "images" are 1-D vectors of 16 values (shape N × 16).
func vectorDataset(count: Int) throws -> URL {
    let folder = temporaryFolder()
    func idx(_ type: UInt8, _ dims: [UInt32], _ payload: [UInt8]) -> Data {
        var bytes: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { bytes += [UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        return Data(bytes + payload)
    }
    let pixels = (0..<(count * 16)).map { UInt8(($0 * 37) % 256) }
    let labels = (0..<count).map { UInt8($0 % 3) }
    for prefix in ["train", "t10k"] {
        FileManager.default.createFile(atPath: folder.appendingPathComponent("\(prefix)-images-idx3-ubyte").path,
                                       contents: idx(8, [UInt32(count), 16], pixels))
        FileManager.default.createFile(atPath: folder.appendingPathComponent("\(prefix)-labels-idx1-ubyte").path,
                                       contents: idx(8, [UInt32(count)], labels))
    }
    return folder
}

@Suite struct ModelDataMismatchTests {
    @Test func modelsThatDoNotFitTheDataOrTakeNoImagesAreRefused() throws {
        let folder = try vectorDataset(count: 60)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The MNIST model on 16-value vectors: exit 64, naming the model.
        expectFailure(try nnfast(["eval", mnistModel, "--data", folder.path]), status: 64,
                      "mnist-784-100-200-10.nnw", "takes 784 inputs", "16 pixels")
        // A model trained on vectors takes no images: predict refuses it.
        let model = folder.appendingPathComponent("vectors.nnw").path
        let train = try nnfast(["train", "--data", folder.path, "--layers", "16,3", "--epochs", "1",
                                "--validation", "0", "--quiet", "--out", model])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let info = try nnfast(["info", model, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
        #expect(object["input_shape"] as? [Int] == [16])
        expectFailure(try nnfast(["predict", model, fixtures.appendingPathComponent("digits/mnist/0000-7.pgm").path]),
                      status: 64, "vectors.nnw", "not a grayscale image")
    }
}

@Suite struct PlotCommandTests {
    /// Whether `svg` parses as XML (what browsers and viewers need first of all).
    func isWellFormedXML(_ svg: String) -> Bool {
        XMLParser(data: Data(svg.utf8)).parse()
    }

    @Test func trainPlotAndPlotFromTheMetricsLogDrawTheSameCurves() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let metrics = folder.appendingPathComponent("run.jsonl").path
        let trainSVG = folder.appendingPathComponent("train.svg").path
        let result = try nnfast(["train", "--data", smallMNIST, "--layers", "784,16,10", "--epochs", "4", "--validation", "500",
                                 "--metrics", metrics, "--plot", trainSVG, "--out", folder.appendingPathComponent("m.nnw").path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("curves: \(trainSVG)"))
        let plotSVG = folder.appendingPathComponent("plot.svg").path
        let plot = try nnfast(["plot", metrics, "-o", plotSVG])
        #expect(plot.status == 0, "stderr: \(plot.stderr)")
        let info = try nnfast(["info", folder.appendingPathComponent("m.nnw").path, "--json"])
        let metadata = (try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any])["metadata"] as! [String: Any]
        let best = metadata["best_epoch"] as! String
        for path in [trainSVG, plotSVG] {
            let svg = try String(contentsOfFile: path, encoding: .utf8)
            #expect(isWellFormedXML(svg), "\(path) is not well-formed")
            #expect(svg.hasPrefix("<?xml") && svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(svg.components(separatedBy: "<polyline").count - 1 == 3)  // validation, test, loss
            #expect(svg.contains("best epoch \(best)"), "\(path) does not mark epoch \(best)")
            for label in ["validation accuracy", "test accuracy", "train loss", "epoch", "accuracy (%)"] {
                #expect(svg.contains(label), "\(path) lacks \(label)")
            }
        }
    }

    @Test func badLogsAreOneLineErrors() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.jsonl")
        try Data("{\"epoch\":1,\"train_loss\":0.5,\"test_accuracy\":0.9}\nnot json\n".utf8).write(to: bad)
        expectFailure(try nnfast(["plot", bad.path, "-o", folder.appendingPathComponent("x.svg").path]), status: 1,
                      "bad.jsonl", "line 2 is not an nnfast metrics record")
        let empty = folder.appendingPathComponent("empty.jsonl")
        try Data().write(to: empty)
        expectFailure(try nnfast(["plot", empty.path, "-o", folder.appendingPathComponent("x.svg").path]), status: 1,
                      "empty.jsonl", "no epochs")
        expectFailure(try nnfast(["plot", folder.appendingPathComponent("none.jsonl").path, "-o", "x.svg"]), status: 1, "none.jsonl")
        expectFailure(try nnfast(["train", "--plot", "/nonexistent/dir/c.svg"]), status: 1, "c.svg", "not a writable folder")
    }
}
