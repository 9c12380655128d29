/// A trained network with everything needed to use it later: what input it takes, how pixels
/// are normalized, the class names, and how it was made. Stored as a `.nnw` file; the format
/// is specified in `Docs/nnw-format.md`.
public struct ModelFile {
    /// Image dimensions the network takes, e.g. `[28, 28, 1]` (height, width, channels).
    public var inputShape: [Int]
    /// Input = pixel × `pixelScale` + `pixelOffset` (nnfast trains with 1/255 and 0).
    public var pixelScale: Float
    public var pixelOffset: Float
    /// One name per class, or empty (then classes are named by their index).
    public var classNames: [String]
    public var network: Network
    /// Free-form facts about the run: seed, epochs, accuracies, creation time, nnfast version,
    /// training command. Stored as a JSON object of strings and numbers.
    public var metadata: [String: String]
    /// How the tensors are stored: float32, or float16 (half the file; the values are rounded
    /// to half precision and widened back to float32 when loaded).
    public var precision: Precision = .float32
    /// Tensors beyond the layers' (training state, for resuming), stored by name in float32.
    public var extraTensors: [NamedTensor] = []

    public enum Precision: String, CaseIterable, Sendable {
        case float32 = "f32"
        case float16 = "f16"

        var code: UInt16 { self == .float32 ? 1 : 2 }
        var byteSize: Int { self == .float32 ? 4 : 2 }
    }

    public init(inputShape: [Int], pixelScale: Float = 1.0 / 255.0, pixelOffset: Float = 0,
                classNames: [String] = [], network: Network, metadata: [String: String] = [:]) {
        self.inputShape = inputShape
        self.pixelScale = pixelScale
        self.pixelOffset = pixelOffset
        self.classNames = classNames
        self.network = network
        self.metadata = metadata
    }

    public var classCount: Int { network.outputSize }

    /// What to call each class: its stored name, or its index when the file names none.
    public var classLabels: [String] {
        (0..<classCount).map { classNames.isEmpty ? String($0) : classNames[$0] }
    }

    static let magic: [UInt8] = Array("NNFASTW".utf8) + [0]
    /// The format version this nnfast writes and the newest it reads. Version 2 added the
    /// table of named tensors; version 1 files (tensor offsets in the layer records) still load.
    public static let formatVersion: UInt16 = 2
    static let tensorAlignment = 64
    /// Header fields are bounded so a corrupt file cannot make the reader allocate much.
    static let maximumRank = 8
    static let maximumLayers = 1024
    static let maximumTextBytes = 1 << 20
    static let maximumTensors = 65_536
    static let maximumTensorNameBytes = 256
    static let maximumTensorRank = 4

    /// The names of layer `index`'s (0-based) weights and bias in the tensor table.
    static func weightName(layer index: Int) -> String { "layer.\(index + 1).weight" }
    static func biasName(layer index: Int) -> String { "layer.\(index + 1).bias" }
}
