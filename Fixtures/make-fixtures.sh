#!/usr/bin/env bash
# Makes the bundled fixtures from espeak-ng speech and sox synthesis.
# Needs: sox (with libsox-fmt-all for MP3/Vorbis), espeak-ng. Run from anywhere:
#   Fixtures/make-fixtures.sh
# The files it writes are committed; `make test` does not run this script.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. LTX-like clip: speech, 24 kHz stereo 16-bit WAV, 0.6 s of silence before, 0.8 s after,
#    the two channels slightly different (like a generated stereo clip), peaking at -9 dBFS.
espeak-ng -v en-us -s 190 -w "$tmp/ltx.wav" "What a lovely day we are having."
sox -R "$tmp/ltx.wav" -r 24000 -c 2 -b 16 "$tmp/ltx2.wav" remix 1v1.0 1v0.8 norm -9
sox -R "$tmp/ltx2.wav" ltx-like-24k-stereo.wav pad 0.6 0.8

# 2. Mono speech at 22.05 kHz (espeak-ng's own rate), 16-bit WAV.
espeak-ng -v en-gb -s 170 -w "$tmp/mono.wav" "Sound check, one two."
sox -R "$tmp/mono.wav" -r 22050 -c 1 -b 16 speech-22k-mono.wav norm -6

# 3. Music-like clip: 44.1 kHz stereo, a plucked G major chord with a bass note and a hi-hat-ish
#    noise tick, stored as FLAC, and the same content as MP3 and Ogg Vorbis.
sox -R -n -r 44100 -c 2 -b 16 "$tmp/chord.wav" synth 1.6 pluck G2 pluck B3 pluck D4 pluck G4 \
    delay 0 0.04 0.08 0.12 remix 1,3 2,4 fade 0 1.6 0.2 norm -4
sox -R -n -r 44100 -c 2 -b 16 "$tmp/tick.wav" synth 0.05 whitenoise fade 0 0.05 0.045 vol 0.2 pad 0.4 1.15
sox -R -m "$tmp/chord.wav" "$tmp/tick.wav" -b 16 "$tmp/music.wav" norm -3
sox -R "$tmp/music.wav" music-44k-stereo.flac
sox -R "$tmp/music.wav" -C 128 music-44k-stereo.mp3
sox -R "$tmp/music.wav" -C 3 music-44k-stereo.ogg

# 4. Bad inputs: a WAV cut short (its header promises more data than there is), an empty file,
#    and a text file named .wav.
mkdir -p bad
head -c 6000 speech-22k-mono.wav > bad/truncated.wav
: > bad/empty.wav
printf 'This is not audio, only text with a .wav name.\n' > bad/not-audio.wav

# 5. The manifest: origin and expected properties of each file (read by people and tests).
entry() {  # name origin leading_silence_s trailing_silence_s
  printf '    {"file": "%s", "origin": "%s", "sample_rate": %s, "channels": %s, "frames": %s, "leading_silence_s": %s, "trailing_silence_s": %s}' \
    "$1" "$2" "$(soxi -r "$1")" "$(soxi -c "$1")" "$(soxi -s "$1")" "$3" "$4"
}
{
  echo '{'
  echo '  "made_by": "Fixtures/make-fixtures.sh",'
  echo '  "good": ['
  entry ltx-like-24k-stereo.wav "espeak-ng en-us speech, sox: 24 kHz stereo 16-bit, peak -9 dBFS, padded" 0.6 0.8; echo ,
  entry speech-22k-mono.wav "espeak-ng en-gb speech, sox: 22.05 kHz mono 16-bit, peak -6 dBFS" 0 0; echo ,
  entry music-44k-stereo.flac "sox synth: plucked G chord and a noise tick, 44.1 kHz stereo, peak -3 dBFS" 0 0; echo ,
  entry music-44k-stereo.mp3 "the FLAC clip through sox/LAME at 128 kbit/s (frames include codec padding)" 0 0; echo ,
  entry music-44k-stereo.ogg "the FLAC clip through sox/libvorbis quality 3" 0 0; echo
  echo '  ],'
  echo '  "bad": ['
  echo '    {"file": "bad/truncated.wav", "origin": "first 6000 bytes of speech-22k-mono.wav", "expected_error": "truncated"},'
  echo '    {"file": "bad/empty.wav", "origin": "zero bytes", "expected_error": "empty"},'
  echo '    {"file": "bad/not-audio.wav", "origin": "a line of text", "expected_error": "notAudio"}'
  echo '  ]'
  echo '}'
} > manifest.json

ls -l *.wav *.flac *.mp3 *.ogg bad/ manifest.json
