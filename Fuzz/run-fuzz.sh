#!/bin/sh
# Builds and runs a libFuzzer target for a bounded time.
#
#   Fuzz/run-fuzz.sh [TARGET] [SECONDS] [extra libFuzzer flags...]
#
# TARGET: audio (default; FuzzAudioDecoding, seeds in Fuzz/corpus/audio/), or fal
# (FuzzFalResponses: fal answers and data: URIs through FalClient's parsing, seeds in
# Fuzz/corpus/fal/).
# SECONDS: -max_total_time (default 60). Run longer locally with e.g. `Fuzz/run-fuzz.sh audio 3600`.
# The target is built with -sanitize=fuzzer,address into .build-fuzz/ (LTX_AUDIO_FUZZ=1 adds it
# to the package). New inputs found go to .build-fuzz/corpus/<target>/ (the committed seeds are
# only read); a crash is written to .build-fuzz/crash-* and the script exits non-zero: turn it
# into a regression test (commit the input under Tests/AudioIOTests/Regressions/, see
# FuzzRegressionTests.swift).
set -eu
cd "$(dirname "$0")/.."
target=${1:-audio}
seconds=${2:-60}
[ $# -ge 2 ] && shift 2 || shift $#
case "$target" in
  audio) product=FuzzAudioDecoding ;;
  fal) product=FuzzFalResponses ;;
  *) echo "unknown fuzz target '$target' (audio, fal)" >&2; exit 64 ;;
esac
scratch=.build-fuzz
# Through SwiftPM (Swift 6.3, Linux), --sanitize=fuzzer alone gave a binary without coverage
# counters (libFuzzer: "Is the code instrumented for coverage?"): -sanitize-coverage asks for
# them explicitly, and --disable-dead-strip keeps the sections the linker's gc would drop.
LTX_AUDIO_FUZZ=1 swift build -c release --sanitize=fuzzer --sanitize=address --disable-dead-strip \
  -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
  --product "$product" --scratch-path "$scratch"
bin="$scratch/release/$product"
mkdir -p "$scratch/corpus/$target"
# Leak checks would flag the Swift runtime's one-time allocations; memory errors still abort.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "$bin" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$scratch/" -print_final_stats=1 \
  "$@" "$scratch/corpus/$target" "Fuzz/corpus/$target"
