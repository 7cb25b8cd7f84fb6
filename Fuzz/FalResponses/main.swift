// libFuzzer target 2: bytes as fal answers (submit, status, result, error bodies, Retry-After)
// and as data: URIs, through FalClient's parsing. Built and run by `Fuzz/run-fuzz.sh fal`.
import FalClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFalResponses(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FalResponseParsing.exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
