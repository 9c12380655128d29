import ArgumentParser
import Foundation
import NNFast

/// `nnfast predict`: classify users' images with a saved model.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images (PGM P5/P2 or PNG, 8- or 16-bit) with a saved model.",
        discussion: """
            By default each image is prepared the way MNIST was made: the polarity is detected \
            (dark ink on light paper is inverted), the digit is cropped to its ink, scaled so its \
            longer side is 20 pixels, and centered by its center of mass in the model's field. \
            --raw feeds an image of exactly the model's input size as it is. '-' reads one image \
            from standard input. A bad image is reported on its own line and the others are still \
            classified. Exit codes: 0 every image classified; 1 a bad model, or any bad image \
            file; 64 a bad option, or images or a model that do not fit each other.
            """)

    @Argument(help: "The model file (.nnw).")
    var model: String

    @Argument(help: "Images to classify ('-' for standard input).")
    var images: [String]

    @Option(help: "How many of the best classes to show.")
    var top = 3

    @Flag(help: "Feed images of the model's input size as they are, without MNIST-style preparation.")
    var raw = false

    @Flag(help: "Also draw the field the network sees (after preparation) as text, on stderr.")
    var show = false

    @Flag(help: "Print one JSON object per image: {\"file\", \"label\", \"probability\", \"top\": [[label, p], …]}.")
    var json = false

    func validate() throws {
        try validating { () throws(NNFastError) in
            guard top >= 1 else { throw NNFastError.usage("--top", "must be at least 1, found \(top)") }
            guard !images.isEmpty else { throw NNFastError.usage("IMAGE", "name at least one image (or - for standard input)") }
        }
    }

    func run() throws {
        let file = try ModelFile.load(model)
        guard let size = file.imageSize else {
            throw NNFastError.usage(model, "takes input of shape \(file.inputShape), not a grayscale image")
        }
        let names = file.classLabels
        var failures: [NNFastError] = []
        for path in images {
            // Each image on its own: a bad one is reported on its own line and the rest go on.
            do {
                try classify(path, with: file, size: size, names: names)
            } catch let error as NNFastError {
                flushStandardOutput()
                StandardError.writeLine("nnfast: error: \(error)")
                failures.append(error)
            }
        }
        flushStandardOutput()
        guard !failures.isEmpty else { return }
        if images.count > 1 {
            StandardError.writeLine("nnfast: \(failures.count) of \(images.count) images failed")
        }
        throw ExitCode(failures.allSatisfy { $0.kind == .usage } ? 64 : 1)
    }

    private func classify(_ path: String, with file: ModelFile, size: (width: Int, height: Int), names: [String]) throws {
        let name = path == "-" ? "(stdin)" : path
        let image = path == "-"
            ? try ImageFile.decode(try FileBytes.read(FileHandle.standardInput, name: name, maximumBytes: InputLimits.imageFileBytes),
                                   file: name)
            : try ImageFile.load(path)
        let input: GrayImage
        if raw {
            guard image.width == size.width && image.height == size.height else {
                throw NNFastError.usage(name, "is \(image.width)×\(image.height) but the model takes \(size.width)×\(size.height) under --raw")
            }
            input = image
        } else {
            input = DigitPreprocessing.mnistStyle(image, field: max(size.width, size.height),
                                                  box: max(size.width, size.height) * 20 / 28)
        }
        let field = crop(input, to: size)
        if show { StandardError.write(render(field, title: name)) }
        let prediction = file.predict(samples255: field.samples255)
        let best = prediction.ranked.prefix(top)
        if json {
            let object: [String: Any] = [
                "file": name, "label": names[best.first!.label], "probability": best.first!.probability,
                "top": best.map { [names[$0.label], $0.probability] as [Any] },
            ]
            try printJSON(object)
        } else {
            print("\(name): \(names[best.first!.label]) (\(percent(best.first!.probability)))  top: "
                  + best.map { "\(names[$0.label]) \(percent($0.probability))" }.joined(separator: ", "))
        }
    }

    /// The image as rows of characters, darkest to lightest " .:-=+*#%@".
    private func render(_ image: GrayImage, title: String) -> String {
        let ramp = Array(" .:-=+*#%@")
        var text = "\(title) as the network sees it:\n"
        for y in 0..<image.height {
            text += String((0..<image.width).map { x in ramp[min(ramp.count - 1, Int(image[x, y] * Float(ramp.count)))] }) + "\n"
        }
        return text
    }

    /// The centered `size` window of a square preprocessed field (the same image when sizes match).
    private func crop(_ image: GrayImage, to size: (width: Int, height: Int)) -> GrayImage {
        guard image.width != size.width || image.height != size.height else { return image }
        let x0 = (image.width - size.width) / 2, y0 = (image.height - size.height) / 2
        return GrayImage(width: size.width, height: size.height, pixels: (0..<size.height).flatMap { y in
            (0..<size.width).map { x in image[x0 + x, y0 + y] }
        }, maxval: image.maxval)
    }
}
