import ArgumentParser
import NNFast

/// Runs option checks that throw `NNFastError.usage` from a command's `validate()`, where the
/// argument parser expects a `ValidationError`: that one it reports as a usage error (our one
/// line, exit 64), while any other error thrown from `validate()` would exit 1.
func validating(_ checks: () throws(NNFastError) -> Void) throws {
    do {
        try checks()
    } catch {
        throw ValidationError(error.description)
    }
}
