#!/bin/sh
# Builds and runs a libFuzzer target for a bounded time.
#
#   Fuzz/run-fuzz.sh [TARGET] [SECONDS] [extra libFuzzer flags...]
#
# TARGET: audio (default; FuzzAudioDecoding: bytes decoded through libsndfile's virtual I/O,
# measured and mastered in memory; seeds in Fuzz/corpus/audio/), or fal (FuzzFalResponses: fal
# answers and data: URIs through FalClient's parsing; seeds in Fuzz/corpus/fal/).
# SECONDS: -max_total_time (default 60). `make test` runs each for FUZZ_SECONDS with a fixed
# -seed, from the committed seeds only; run longer locally with e.g. `Fuzz/run-fuzz.sh audio 3600`.
#
# The target is built by Tests/Sanitizers/asan.sh into .build-asan/ (AddressSanitizer and
# coverage counters; the same build as the sanitized test suite). New inputs found go to
# .build-asan/fuzz/corpus/<target>/ (the committed seeds are only read; FUZZ_FRESH=1 starts from
# an empty folder, as CI does); a crash, leak or timeout is written to .build-asan/fuzz/ and the
# script exits non-zero: commit the input under Fuzz/regressions/<target>/ (replayed by
# FuzzRegressionTests for audio; fal findings become cases in ParsingRobustnessTests).
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
Tests/Sanitizers/asan.sh build --product "$product"
work=.build-asan/fuzz
corpus="$work/corpus/$target"
[ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$corpus"
mkdir -p "$corpus"
# Leak checks would flag the Swift runtime's one-time allocations; memory errors still abort.
# -close_fd_mask=2 silences the target's own stderr (libmpg123 prints a note for every bad MPEG
# frame, tens of thousands a minute); libFuzzer's and the sanitizer's reports still appear. To
# see a Swift trap's message, replay the input: `.build-asan/release/<product> <input>`.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} ".build-asan/release/$product" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -close_fd_mask=2 \
  -artifact_prefix="$work/" -print_final_stats=1 \
  "$@" "$corpus" "Fuzz/corpus/$target"
