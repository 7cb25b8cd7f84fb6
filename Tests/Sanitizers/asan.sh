#!/bin/sh
# The AddressSanitizer build, shared by the test suite under ASan (`make sanitize`, part of
# `make test`) and the libFuzzer targets (Fuzz/run-fuzz.sh): one scratch folder (.build-asan)
# and one set of flags, so the fuzzers reuse the modules the sanitized suite was built from and
# only link libFuzzer into their own two products.
#
#   Tests/Sanitizers/asan.sh build [swift build args...]   e.g. --build-tests, --product NAME
#   Tests/Sanitizers/asan.sh test [swift test args...]     the suite, after `build --build-tests`
#
# Coverage counters (-sanitize-coverage) are what libFuzzer steers by; in the test suite they
# only count. --disable-dead-strip keeps the sections holding them. LTX_AUDIO_FUZZ=1 adds the
# fuzz targets to the package (see Package.swift).
set -eu
cd "$(dirname "$0")/../.."
mode=${1:?usage: asan.sh build|test [args...]}
shift
export LTX_AUDIO_FUZZ=1
flags="-c release --sanitize=address --scratch-path .build-asan"
case "$mode" in
  build)
    exec swift build $flags --disable-dead-strip \
      -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp "$@" ;;
  test)
    # The library example (Examples/LibraryUse) is built and run by the release suite already;
    # building it again here would only cost time.
    export LTX_AUDIO_SKIP_EXAMPLE_BUILD=1
    # LeakSanitizer runs at exit of the test process; see lsan.supp for what it may ignore.
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/Tests/Sanitizers/lsan.supp} \
      exec swift test $flags --skip-build "$@" ;;
  *) echo "asan.sh: unknown mode '$mode' (build, test)" >&2; exit 64 ;;
esac
