# ltx-audio: the two first commands are `make demo` and `make test`.
# Both install what is missing (Debian/Ubuntu packages through apt-get), then build in release mode.

SWIFT        ?= swift
CONFIG       ?= release
# C libraries the tool links, the test oracle (libebur128), pkg-config to find them,
# python3 for the tests' bad-input generator (python3-venv for the Ray example's environment),
# and ffmpeg, whose alimiter is the sound-quality yardstick of the limiter tests.
# man-db (with groff) renders the installed man pages (`man -l`, checked by the install test).
APT_PACKAGES ?= pkg-config libsndfile1-dev libsamplerate0-dev libebur128-dev python3 python3-venv ffmpeg man-db
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN          := .build/$(CONFIG)/ltx-audio
DEMO_OUT     ?= demo-out
# The Ray example's test (Examples/Ray) runs with Ray from this virtual environment, made once
# from PyPI by `make ray-venv` (part of `make suite`); remove it to install again.
RAY_VENV     ?= .build/ray-venv
RAY_SPEC     ?= ray>=2.9,<3

# `make install` (and `make uninstall`): PREFIX and DESTDIR as every Unix tool takes them.
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR   ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR  ?= $(PREFIX)/share/fish/vendor_completions.d

.PHONY: deps build demo test suite sanitize tsan fuzz fixtures clean install uninstall ray-venv

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG)

# Masters the bundled good fixtures into $(DEMO_OUT)/ (streaming preset: trimmed, -14 LUFS,
# -1 dBTP, 48 kHz, each in its own format), then measures the results.
demo: build
	rm -rf $(DEMO_OUT)
	$(BIN) master Fixtures/ltx-like-24k-stereo.wav Fixtures/speech-22k-mono.wav \
	  Fixtures/music-44k-stereo.flac Fixtures/music-44k-stereo.mp3 Fixtures/music-44k-stereo.ogg \
	  -o $(DEMO_OUT)/
	@echo
	$(BIN) analyze $(DEMO_OUT)/*
	@echo
	@echo "Results are in $(DEMO_OUT)/"

# Everything CI runs (`.ci/run`): the test suite in release mode (the loudness tests synthesize
# minutes of audio), the suite again under AddressSanitizer, and each libFuzzer target for
# FUZZ_SECONDS from the committed seeds. About 15 minutes from a fresh clone on 2 cores.
test: suite sanitize fuzz

# The test suite alone, in release mode: the quick check while working.
suite: deps ray-venv
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build

# Ray for the Ray example's test, in $(RAY_VENV), installed only when missing.
ray-venv: $(RAY_VENV)/.installed
$(RAY_VENV)/.installed: | deps
	python3 -m venv $(RAY_VENV)
	$(RAY_VENV)/bin/pip install --quiet '$(RAY_SPEC)'
	touch $@

# The test suite under AddressSanitizer and LeakSanitizer, in .build-asan/ (shared with the
# fuzzers, see Tests/Sanitizers/asan.sh); the CLI tests run the ASan-built binary too.
sanitize: deps
	Tests/Sanitizers/asan.sh build --build-tests
	Tests/Sanitizers/asan.sh test

# The test suite under ThreadSanitizer (not part of `make test`: its own ~6 minute build). The
# two `ulimit -f` tests are skipped: under a file size limit the TSan runtime itself dies with
# SIGBUS before the tool runs.
tsan: deps
	$(SWIFT) build -c $(CONFIG) --build-tests --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/tsan.supp \
	  $(SWIFT) test -c $(CONFIG) --skip-build --sanitize=thread --scratch-path .build-tsan \
	  --skip aWriteThatFailsPartWayLeavesNothing --skip aBatchWhoseWritesFailPartWayLeavesNothing

# Both libFuzzer targets for FUZZ_SECONDS each, from the committed seeds only, with a fixed seed:
# the same run on every machine, a prefix of the longer runs made before committing (see
# Fuzz/run-fuzz.sh to run them longer).
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_FRESH=1 Fuzz/run-fuzz.sh audio $(FUZZ_SECONDS) -seed=1
	FUZZ_FRESH=1 Fuzz/run-fuzz.sh fal $(FUZZ_SECONDS) -seed=1

# Regenerates Fixtures/ (needs sox, libsox-fmt-all and espeak-ng; the results are committed).
fixtures:
	@for p in sox libsox-fmt-all espeak-ng; do dpkg -s $$p >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq sox libsox-fmt-all espeak-ng; break; }; done
	Fixtures/make-fixtures.sh

# Installs the release binary, a man page per command (rendered by the tool from the argument
# parser's own definitions: `ltx-audio manual`) and the bash, zsh and fish completions
# (`--generate-completion-script`) under $(DESTDIR)$(PREFIX). It builds first, unless BIN is
# given on the command line (`make install BIN=path/to/ltx-audio`: that binary is installed
# as it is, nothing is built; the install test does this with the binary it tests).
install: $(if $(filter command line,$(origin BIN)),,build)
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(BASHCOMPDIR)" \
	  "$(DESTDIR)$(ZSHCOMPDIR)" "$(DESTDIR)$(FISHCOMPDIR)"
	install -m 755 "$(BIN)" "$(DESTDIR)$(BINDIR)/ltx-audio"
	"$(DESTDIR)$(BINDIR)/ltx-audio" manual --output-directory "$(DESTDIR)$(MANDIR)/man1"
	"$(DESTDIR)$(BINDIR)/ltx-audio" --generate-completion-script bash > "$(DESTDIR)$(BASHCOMPDIR)/ltx-audio"
	"$(DESTDIR)$(BINDIR)/ltx-audio" --generate-completion-script zsh > "$(DESTDIR)$(ZSHCOMPDIR)/_ltx-audio"
	"$(DESTDIR)$(BINDIR)/ltx-audio" --generate-completion-script fish > "$(DESTDIR)$(FISHCOMPDIR)/ltx-audio.fish"
	chmod 644 "$(DESTDIR)$(BASHCOMPDIR)/ltx-audio" "$(DESTDIR)$(ZSHCOMPDIR)/_ltx-audio" "$(DESTDIR)$(FISHCOMPDIR)/ltx-audio.fish"
	@echo "Installed $(DESTDIR)$(BINDIR)/ltx-audio, its man pages and completions"

# Removes what `make install` put there (same PREFIX and DESTDIR).
uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/ltx-audio" "$(DESTDIR)$(MANDIR)/man1/ltx-audio.1" "$(DESTDIR)$(MANDIR)/man1"/ltx-audio-*.1 \
	  "$(DESTDIR)$(BASHCOMPDIR)/ltx-audio" "$(DESTDIR)$(ZSHCOMPDIR)/_ltx-audio" "$(DESTDIR)$(FISHCOMPDIR)/ltx-audio.fish"

clean:
	rm -rf .build .build-asan .build-tsan $(DEMO_OUT)
