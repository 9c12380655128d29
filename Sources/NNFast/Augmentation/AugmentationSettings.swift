/// Random distortions of the training images, drawn afresh for every sample in every epoch.
///
/// `affine`: the output pixel (x, y) samples the source at c + R(θ)·H(h)·S(sx, sy)·((x, y) − c) + t,
/// c the image centre, θ uniform in ±`rotation` degrees, h (a horizontal shear) in ±`shear`,
/// sx and sy each in 1 ± `scale`, t each axis in ±`shift` pixels; bilinear sampling, zero
/// outside. `elastic` adds Simard et al. (2003)'s elastic distortion to the same map: a field of
/// uniform noise in [−1, 1] per pixel and axis, smoothed by a Gaussian of σ = `elasticSigma`
/// pixels and scaled by α = `elasticAlpha`.
public struct AugmentationSettings: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        case none, affine, elastic
    }

    public var kind: Kind = .none
    public var shift: Float = 2
    public var rotation: Float = 10
    public var scale: Float = 0.1
    public var shear: Float = 0.1
    public var elasticAlpha: Float = 34
    public var elasticSigma: Float = 4

    public init(_ kind: Kind = .none) { self.kind = kind }

    public var isOn: Bool { kind != .none }

    func validate() throws(NNFastError) {
        let checks: [(String, Float, ClosedRange<Float>)] = [
            ("--shift", shift, 0...8), ("--rotate", rotation, 0...90), ("--scale", scale, 0...0.5),
            ("--shear", shear, 0...1), ("--elastic-alpha", elasticAlpha, 0...100), ("--elastic-sigma", elasticSigma, 0.5...16),
        ]
        for (flag, value, range) in checks where !(range.contains(value)) {
            throw NNFastError.usage(flag, "must be in \(range.lowerBound)...\(range.upperBound), found \(value)")
        }
    }

    /// For the run header, e.g. `elastic (α 34, σ 4) + affine (shift ±2 px, rotate ±10°, …)`.
    public var summary: String {
        let affine = "affine (shift ±\(shift) px, rotate ±\(rotation)°, scale ±\(scale), shear ±\(shear))"
        switch kind {
        case .none: return "no augmentation"
        case .affine: return affine
        case .elastic: return "elastic (α \(elasticAlpha), σ \(elasticSigma)) + \(affine)"
        }
    }
}
