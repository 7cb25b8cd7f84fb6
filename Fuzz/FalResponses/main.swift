// libFuzzer target 2: bytes as fal answers (submit, status, result, error bodies, Retry-After)
// and as data: URIs, through FalClient's parsing. Built and run by `Fuzz/run-fuzz.sh fal`; the
// last line hands control to libFuzzer's driver, which calls the function below with each input.
import CLibFuzzer
import FalClient
import Glibc

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFalResponses(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FalResponseParsing.exercise(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv, fuzzFalResponses))
