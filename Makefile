# Two commands do everything on a fresh machine with Python 3.11+: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= all
# --rerun-incomplete: a run that was killed left half-written outputs; redo those jobs.
SMK_FLAGS ?= --quiet rules host --rerun-incomplete

.PHONY: site results test lint format serve templates diff bench unlock clean

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) $(SMK_FLAGS)
	@$(BIN)/python -m scripts.site.where

results: $(STAMP)
	$(BIN)/snakemake results --cores $(CORES) $(SMK_FLAGS)

templates: $(STAMP)
	$(BIN)/snakemake templates --cores $(CORES) $(SMK_FLAGS)

serve: site
	$(BIN)/python -m scripts.site.serve

diff: $(STAMP)
	$(BIN)/python -m scripts.site.diff $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile rules/

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/snakefmt Snakefile rules/

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP)  # make bench [SCALE=region|10x|100x|country]: measure, then rewrite docs/performance.md
	$(BIN)/python -m bench.run --scale $(or $(SCALE),region) --report

unlock: $(STAMP)
	$(BIN)/snakemake --unlock

clean:
	rm -rf results build logs benchmarks .snakemake
