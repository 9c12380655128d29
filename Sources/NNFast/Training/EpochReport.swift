/// What one epoch did, as printed after it and written to `--metrics` (one JSON line).
public struct EpochReport: Sendable, Equatable {
    public let epoch: Int
    /// Mean training loss over the epoch's batches (the loss as each batch saw it).
    public let trainLoss: Double
    public let validationAccuracy: Double?
    public let testAccuracy: Double
    /// Wall time of the epoch's training steps (gather, forward, backward, update).
    public let trainSeconds: Double
    /// Wall time of measuring validation and test accuracy.
    public let evaluationSeconds: Double
    public let samples: Int
    /// The learning rate of the epoch's last step.
    public var learningRate: Double = 0
    /// Whether this epoch's validation accuracy beat every earlier epoch's.
    public var isBest = false

    public init(epoch: Int, trainLoss: Double, validationAccuracy: Double?, testAccuracy: Double,
                trainSeconds: Double, evaluationSeconds: Double, samples: Int, learningRate: Double = 0) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationAccuracy = validationAccuracy
        self.testAccuracy = testAccuracy
        self.trainSeconds = trainSeconds
        self.evaluationSeconds = evaluationSeconds
        self.samples = samples
        self.learningRate = learningRate
    }

    public var samplesPerSecond: Double { Double(samples) / max(trainSeconds, 1e-9) }

    /// The report as one JSON object.
    public var jsonLine: String {
        var fields = [
            "\"epoch\":\(epoch)",
            "\"train_loss\":\(trainLoss)",
        ]
        fields.append("\"validation_accuracy\":\(validationAccuracy.map { String($0) } ?? "null")")
        fields.append("\"test_accuracy\":\(testAccuracy)")
        fields.append("\"train_seconds\":\(trainSeconds)")
        fields.append("\"evaluation_seconds\":\(evaluationSeconds)")
        fields.append("\"samples\":\(samples)")
        fields.append("\"samples_per_second\":\(samplesPerSecond)")
        fields.append("\"learning_rate\":\(learningRate)")
        fields.append("\"best\":\(isBest)")
        return "{" + fields.joined(separator: ",") + "}"
    }
}
