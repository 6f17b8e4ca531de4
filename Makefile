# Thin wrapper over the tools configured in pyproject.toml.
PY := .venv/bin/python
PIP := .venv/bin/pip
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
# llama.cpp builds with -march=native by default, and pip caches that wheel by version, not by CPU: a wheel
# built on one x86 machine can die with SIGILL on another (AMX tile loads a VM does not allow). On x86_64 we
# build for AVX2/FMA/F16C, which every x86 board and CI machine of the last decade has; ARM (the Pi) stays native.
LLAMA_CMAKE_ARGS ?= $(if $(filter x86_64,$(shell uname -m)),-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON)
export CMAKE_ARGS ?= $(LLAMA_CMAKE_ARGS)

.PHONY: install system-deps test test-fast lint run eval eval-full bench bench-languages bench-wake bench-soak install-service doctor finetune clean

install: system-deps .venv/.installed

# espeak-ng speaks when Piper has no voice; libportaudio2/libsndfile1 back sounddevice/soundfile; the tests make
# their audio with espeak-ng and sox (without them the audio tests skip, so install them).
SYSTEM_PACKAGES := espeak-ng libportaudio2 libsndfile1 sox
system-deps:
	@if ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null || ! ldconfig -p | grep -q libportaudio; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get install -y -q $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
			(apt-get update -q >/dev/null && apt-get install -y -q $(SYSTEM_PACKAGES) >/dev/null); \
		else echo "Please install $(SYSTEM_PACKAGES) (sudo apt-get install $(SYSTEM_PACKAGES))"; fi; \
	fi

.venv/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev,multilingual,wyoming,finetune,denoise]"
	$(PY) -m assistant.models --prepare
	# The stock wyoming-satellite for the hub's tests: it pins wyoming 1.4.1 (we use 1.10), so it gets its own venv.
	test -x .venv/satellite/bin/python || python3 -m venv .venv/satellite
	.venv/satellite/bin/pip install -q "wyoming-satellite==1.0.0"
	$(PY) -m assistant.models --check-llm || { \
		echo "rebuilding llama-cpp-python for this CPU (about 10 minutes on 2 cores)"; \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install -q --no-cache-dir --force-reinstall --no-deps \
			"llama-cpp-python==$$($(PY) -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))')" && \
		$(PY) -m assistant.models --check-llm; }
	touch $@

test: install
	ASSISTANT_REQUIRE_AUDIO_TOOLS=1 .venv/bin/pytest -q

test-fast: install
	.venv/bin/pytest -q -m "not model and not slow"

lint: install
	.venv/bin/ruff check assistant skills tests finetune evals
	.venv/bin/ruff format --check assistant skills tests finetune evals
	.venv/bin/mypy

run: install
	.venv/bin/assistant run

eval: install
	.venv/bin/assistant eval --dataset quick

eval-full: install
	.venv/bin/assistant eval --dataset full
	for f in ../shared/data/slurp_devel.jsonl ../shared/data/snips2017_validate.jsonl ../shared/data/xsid_valid.jsonl; do \
		if [ -f $$f ]; then .venv/bin/assistant eval --dataset $$f || exit 1; else echo "skipping $$f (not found)"; fi; done

bench: install
	.venv/bin/assistant bench --json

bench-wake: install
	.venv/bin/assistant bench --section wake --json

bench-soak: install
	.venv/bin/assistant bench --section soak --json

# The systemd unit (docs/raspberry-pi.md): a system unit run as the user behind sudo, in the audio group.
# SERVICE_ARGS="--user" for a user unit (desktop images with PipeWire), "--run serve" for the Wyoming server.
install-service: install
	.venv/bin/assistant service install --enable $(SERVICE_ARGS)

doctor: install
	.venv/bin/assistant doctor

bench-languages: install
	.venv/bin/python -m assistant.evaluation.bench_voice --languages de,fr,es,it,nl

# The router's recipes (finetune/README.md). few-shot, the default and the shipped adapter's: data from the registry
# (your skill_dirs included), LoRA after the built-ins' few-shot prompt (about 50 minutes on 2 cores), export and the
# quick/golden check. RECIPE=listing, the many-registries recipe (reads any skill listing; tried, not shipped): what
# Whisper hears of 60% of its English sentences (cached: minutes the first time), episodes after sampled listings
# (about 75 minutes). finetune/4_evaluate.py scores the rest.
RECIPE ?= few-shot
EXTRA := $(if $(wildcard ../shared/data/snips2017_train_full.jsonl),--extra ../shared/data/snips2017_train_full.jsonl)
finetune: install
	$(PIP) install -q -e ".[finetune]"
ifeq ($(RECIPE),listing)
	$(PY) finetune/1_generate.py $(EXTRA)
	$(PY) finetune/speech.py --episodes finetune/out/data/episodes.jsonl --share 0.6 --seed 1
	$(PY) finetune/1_generate.py $(EXTRA) --heard finetune/out/spoken/transcripts.jsonl
	$(PY) finetune/2_train.py
else
	$(PY) finetune/1_generate.py $(EXTRA) --episodes 0
	$(PY) finetune/2_train.py --prompt full --no-prefix-grad --precision fp32 --epochs 2 --max-steps 640
endif
	$(PY) finetune/3_export.py

clean:
	rm -rf .venv build *.egg-info .pytest_cache .mypy_cache .ruff_cache
