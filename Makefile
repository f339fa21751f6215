# monitord: `make run` starts the daemon on the example config, `make test` runs everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONFIG ?= config/monitord.example.yaml

.PHONY: run test venv debian-packages lint check-config pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(STAMP)

run: venv
	$(BIN)/monitord check-config -c $(CONFIG)
	$(BIN)/monitord run -c $(CONFIG)

check-config: venv
	$(BIN)/monitord check-config -c $(CONFIG)

debian-packages:
	.ci/install-debian-packages

lint: venv
	$(BIN)/ruff check monitord probes alerts tests benchmarks config/grafana
	$(BIN)/mypy --strict config/grafana
	$(BIN)/mypy

pytest: venv
	$(BIN)/pytest

test: debian-packages venv lint pytest

# Every benchmark in quick mode (under 10 minutes), one table at the end: figure, monitord
# median, peer median, ratio, goal, met. Needs root (network namespaces, raw sockets).
# `make bench BENCH_ARGS=--full` for the full rounds that benchmarks/README.md quotes.
bench: debian-packages venv
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) state build *.egg-info
