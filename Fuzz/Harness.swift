// libFuzzer's entry point for every nnfast reader. tools/fuzz.sh compiles this file together
// with the NNFast sources (one module, -sanitize=fuzzer,address) and picks the reader with
// $NNFAST_FUZZ_TARGET: idx, pgm, png or nnw (see Sources/NNFast/ModelFile/FuzzTarget.swift).
import Foundation

let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["NNFAST_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("set NNFAST_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue))")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    fuzzTarget.run(bytes)
    return 0
}
