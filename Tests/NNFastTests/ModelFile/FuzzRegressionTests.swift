import Foundation
import Testing
@testable import NNFast

/// Every input a fuzzer (tools/fuzz.sh) ever found failing lives in Fixtures/fuzz-regressions/
/// TARGET/ and is replayed here through the harness's own code: it must now be handled (read or
/// refused), never crash. The seeds are replayed too, so the harness code itself stays tested.
@Suite struct FuzzRegressionTests {
    @Test(arguments: FuzzTarget.allCases)
    func everyRecordedInputIsHandled(target: FuzzTarget) throws {
        var count = 0
        for folder in ["Fixtures/fuzz-regressions/\(target.rawValue)", "Fuzz/seeds/\(target.rawValue)"] {
            let url = packageRoot.appendingPathComponent(folder)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] where !name.hasPrefix(".") {
                target.run(try FileBytes.read(url.appendingPathComponent(name).path))
                count += 1
            }
        }
        #expect(count >= 3)
    }
}
