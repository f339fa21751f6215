# monitord: `make run` starts the daemon on the example config, `make test` runs everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONFIG ?= config/monitord.example.yaml

.PHONY: run test venv debian-packages lint check-config pytest bench clean docs docs-check

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

lint: venv docs-check
	$(BIN)/ruff check monitord probes alerts tests benchmarks config/grafana
	$(BIN)/ruff format --check monitord probes alerts tests benchmarks config/grafana
	$(BIN)/mypy --strict config/grafana
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

# docs/configuration.md is generated from the pydantic models (monitord/config/reference.py),
# the endpoint list in docs/api.md from the OpenAPI document (tests check both are current).
docs: venv
	$(BIN)/python -m monitord.config.reference > docs/configuration.md.tmp
	mv docs/configuration.md.tmp docs/configuration.md
	$(BIN)/python -m monitord.api.openapi.markdown docs/api.md

docs-check: venv
	@$(BIN)/python -m monitord.config.reference | diff -u docs/configuration.md - \
		|| { echo "docs/configuration.md is stale: run make docs"; exit 1; }

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
