/// A tensor stored in a `.nnw` file under a name, beside the layers' weights: optimizer state
/// (`optimizer.velocity.layer.1.weight`), the weights a resumed run continues from
/// (`resume.layer.1.weight`), and whatever later versions add. Readers skip names they do not
/// know. Always stored as float32, so a resumed run continues from exactly the saved bits.
public struct NamedTensor {
    public let name: String
    public let matrix: Matrix

    public init(name: String, matrix: Matrix) {
        self.name = name
        self.matrix = matrix
    }
}
