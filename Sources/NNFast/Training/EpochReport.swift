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
        return "{" + fields.joined(separator: ",") + "}"
    }
}
