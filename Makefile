# reelmind: `make demo` installs everything and runs the pipeline on a real sample clip;
# `make test` installs everything and runs the whole test suite.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_FILM ?= media/feat/single_face.mp4
DEMO_OUT ?= runs/demo

.PHONY: setup demo test bench doctor clean

setup:
	bash tools/setup.sh

demo: setup
	$(VENV)/bin/reelmind doctor
	$(VENV)/bin/reelmind run $(DEMO_FILM) -o $(DEMO_OUT)

test: setup
	$(PY) -m pytest -q -p no:cacheprovider

bench: setup
	$(PY) -m pytest -q packages/*/benchmarks bench --benchmark-disable-gc

doctor:
	$(VENV)/bin/reelmind doctor

clean:
	rm -rf build runs .pytest_cache
