#!/usr/bin/env bash
# memory-scaling.sh: show that ltx-audio's peak memory does not grow with input length.
#
# Usage: Benchmarks/memory-scaling.sh [options]
#
# Synthesises a 10-minute and a 60-minute 48 kHz (--input-rate) stereo 16-bit WAV (sox: band-limited
# pink noise with a syllable-rate tremolo, in 7 s phrases at two levels separated by
# silent gaps) in a temp dir, masters each with
#   ltx-audio master IN -o OUT.flac --overwrite --preset streaming --sample-rate 48000
#       --format flac [--quality fast]
# once with --quality fast and once with the default quality, and records wall time
# and peak RSS (GNU time: %e, %M). Prints a Markdown table on stdout (progress on
# stderr), deletes the temp files, and exits 1 if, for either quality, the peak RSS
# of the longest and the shortest input differ by more than the tolerance (20 MiB,
# issue 4); 2 on any other failure.
#
# If the ltx-audio binary does not know an option (missing from `master --help`, or
# exit 64), the option is left out and the output says so.
#
# Options:
#   --minutes "A B"   input lengths in minutes (default "10 60")
#   --input-rate HZ   sample rate of the synthesised inputs (default 48000; e.g. 24000
#                     so that the resampler runs too: at 48000 in and out it may not)
#   --tolerance MIB   allowed peak-RSS difference (default 20)
#   --tmpdir DIR      where the inputs and outputs go (default $TMPDIR or /tmp);
#                     needs about 7 MB per minute of the longest input, checked first
#   --no-install      do not apt-get what is missing (sox, time); fail instead
#   -h, --help        this text
# Environment:
#   LTX_AUDIO_BIN     ltx-audio binary (default: .build/release/ltx-audio of this repo,
#                     built with `swift build -c release`)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
log() { printf 'memory-scaling: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

minutes="10 60" rate=48000 tolerance=20 install=1 tmpbase=${TMPDIR:-/tmp}
while (($#)); do
  case $1 in
    --minutes) minutes=${2:?}; shift 2 ;;
    --tolerance) tolerance=${2:?}; shift 2 ;;
    --input-rate) rate=${2:?}; shift 2 ;;
    --tmpdir) tmpbase=${2:?}; shift 2 ;;
    --no-install) install=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument $1" ;;
  esac
done
read -r -a lengths <<<"$minutes"
((${#lengths[@]} >= 2)) || die "--minutes wants at least two lengths"
for m in "${lengths[@]}"; do [[ $m =~ ^[1-9][0-9]*$ ]] || die "--minutes wants whole minutes, got $m"; done
[[ $tolerance =~ ^[0-9]+$ ]] || die "--tolerance wants whole MiB"
[[ $rate =~ ^[1-9][0-9]*$ ]] || die "--input-rate wants Hz"

if [[ -z ${LTX_AUDIO_BIN:-} ]]; then
  LTX_AUDIO_BIN=$repo/.build/release/ltx-audio
fi
[[ -x $LTX_AUDIO_BIN ]] || die "ltx-audio binary not found: $LTX_AUDIO_BIN (set LTX_AUDIO_BIN)"

missing=()
for p in sox time; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if ((${#missing[@]})); then
  ((install)) || die "missing Debian packages: ${missing[*]} (run without --no-install)"
  log "installing ${missing[*]} (apt-get)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ---- disk space: input rate*2*2 B/s, output up to 24-bit FLAC of noise ~ 48000*2*3 B/s
longest=$(printf '%s\n' "${lengths[@]}" | sort -n | tail -1)
shortest=$(printf '%s\n' "${lengths[@]}" | sort -n | head -1)
need_mb=$(( longest * 60 * (rate * 2 * 2 + 48000 * 2 * 3) / 1000000 * 11 / 10 + 200 ))
mkdir -p "$tmpbase"
free_mb=$(df -Pm "$tmpbase" | awk 'NR==2 {print $4}')
((free_mb >= need_mb)) || die "$tmpbase has $free_mb MB free; a $longest-minute run needs about $need_mb MB (use --tmpdir)"

work=$(mktemp -d "$tmpbase/ltx-memscale.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- ltx-audio options (detected once) -------------------------------------
help=$("$LTX_AUDIO_BIN" master --help 2>&1 || true)
notes=()
opts=()
absent=()
for pair in "--preset streaming" "--sample-rate 48000" "--format flac"; do
  if grep -q -- "${pair%% *}" <<<"$help"; then opts+=($pair); else absent+=("${pair%% *}"); fi
done
grep -q -- --overwrite <<<"$help" && ow=(--overwrite) || { ow=(); absent+=(--overwrite); }
grep -q -- --quality <<<"$help" && hasq=1 || { hasq=0; absent+=(--quality); }
chain_missing=0
if ((${#absent[@]})); then
  notes+=("ltx-audio ($LTX_AUDIO_BIN) does not list ${absent[*]} in \`master --help\`: ran without them")
  [[ " ${absent[*]} " == *" --preset "* ]] && chain_missing=1
  log "${notes[-1]}"
fi
qualities=(fast default)
((hasq)) || qualities=(default)

# ---- one measured run: sets rc, wall, rss_kib ------------------------------
run_ltx() { # run_ltx IN OUT QUALITY
  local q=()
  [[ $3 == default ]] || q=(--quality "$3")
  /usr/bin/time -f '%e %M' -o "$work/time" "$LTX_AUDIO_BIN" master "$1" -o "$2" "${ow[@]}" "${opts[@]}" "${q[@]}" \
    >/dev/null 2>"$work/stderr" && rc=0 || rc=$?
  # GNU time prefixes "Command exited with non-zero status N" on failure: take the last line
  read -r wall rss_kib < <(tail -1 "$work/time")
}

# ---- synthesis ---------------------------------------------------------------
# One 20 s block: a 7 s phrase peaking at -6 dBFS, 3 s of silence, a 7 s phrase 8 dB
# quieter, 3 s of silence; repeated to the wanted length.
log "synthesising the 20 s building block"
sox -q -n -r "$rate" -c 2 -b 16 "$work/a.wav" synth 7 pinknoise sinc 120-5000 tremolo 4.3 85 gain -n -6 pad 0 3
sox -q -n -r "$rate" -c 2 -b 16 "$work/b.wav" synth 7 pinknoise sinc 150-4000 tremolo 3.7 90 gain -n -14 pad 0 3
sox -q "$work/a.wav" "$work/b.wav" "$work/block.wav"

declare -A WALL RSS
for m in "${lengths[@]}"; do
  in=$work/in-${m}min.wav
  log "synthesising a $m-minute input"
  sox -q "$work/block.wav" "$in" repeat $((m * 3 - 1))
  for q in "${qualities[@]}"; do
    out=$work/out-${m}min-$q.flac
    log "mastering $m min, quality $q"
    run_ltx "$in" "$out" "$q"
    while ((rc == 64)) && ((${#opts[@]})); do
      # an option this binary rejects: drop the ones its message names (or all of them)
      first=$(head -1 "$work/stderr")
      keep=() dropped=()
      for ((i = 0; i < ${#opts[@]}; i += 2)); do
        if grep -q -- "${opts[i]}" "$work/stderr"; then dropped+=("${opts[i]}"); else keep+=("${opts[i]}" "${opts[i+1]}"); fi
      done
      if ((${#dropped[@]} == 0)); then dropped=(); for ((i = 0; i < ${#opts[@]}; i += 2)); do dropped+=("${opts[i]}"); done; keep=(); fi
      opts=(${keep[@]+"${keep[@]}"})
      [[ " ${dropped[*]} " == *" --preset "* ]] && chain_missing=1
      notes+=("ltx-audio exited 64 ($first): ran without ${dropped[*]}")
      log "${notes[-1]}"
      run_ltx "$in" "$out" "$q"
    done
    if ((rc != 0)); then
      log "ltx-audio failed (exit $rc) on $m min, quality $q:"; tail -5 "$work/stderr" >&2
      exit 2
    fi
    WALL[$m,$q]=$wall
    RSS[$m,$q]=$rss_kib
    rm -f "$out"
  done
  rm -f "$in"
done

# ---- report --------------------------------------------------------------------
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
echo "## ltx-audio peak memory vs input length ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "- inputs: $rate Hz stereo 16-bit WAV, synthetic speech-like noise with gaps; output 48 kHz FLAC; one run each"
echo "- measured with GNU time (%e wall s, %M peak RSS); $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end"
echo "- $("$LTX_AUDIO_BIN" --version 2>/dev/null | paste -sd ';' - || echo 'ltx-audio ?') ($LTX_AUDIO_BIN, built $(date -u -r "$LTX_AUDIO_BIN" '+%Y-%m-%d %H:%M UTC')); options: ${ow[*]} ${opts[*]}"
for n in "${notes[@]+"${notes[@]}"}"; do echo "- **note**: $n"; done
((chain_missing)) && echo "- **note**: this binary has no mastering chain yet (decode, resample, encode only): the numbers do not measure it"
echo
echo "| input | quality | wall s | × real time | peak RSS MiB |"
echo "|---|---|---:|---:|---:|"
for m in "${lengths[@]}"; do
  for q in "${qualities[@]}"; do
    rt=$(awk -v m="$m" -v w="${WALL[$m,$q]}" 'BEGIN {printf "%.0f", (w > 0 ? m * 60 / w : 0)}')
    echo "| $m min | $q | ${WALL[$m,$q]} | $rt× | $(mib "${RSS[$m,$q]}") |"
  done
done
echo
status=0
for q in "${qualities[@]}"; do
  d=$(( RSS[$longest,$q] - RSS[$shortest,$q] ))
  d=${d#-}
  if ((d > tolerance * 1024)); then verdict="**not met**"; status=1; else verdict="**met**"; fi
  echo "- quality $q: peak RSS $longest min − $shortest min = $(mib "$d") MiB (bound $tolerance MiB): $verdict"
done
log "done"
exit $status
