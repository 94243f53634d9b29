# Two commands do everything on a fresh machine with Python 3.11+: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= all
# --rerun-incomplete: a run that was killed left half-written outputs; redo those jobs.
SMK_FLAGS ?= --quiet rules host --rerun-incomplete

.PHONY: site results test lint format serve templates diff bench cluster unlock clean

# After a failed run: a lock left in .snakemake/locks means another run is going on or one was
# killed — say so in Russian (Snakemake's own LockException is English), then fail as it did.
LOCK_HINT = { rc=$$?; test -z "$$(ls -A .snakemake/locks 2>/dev/null)" || echo "Ошибка: папка \
проекта $$(pwd) занята другим запуском или заблокирована прерванным (.snakemake/locks). Если \
другого запуска нет, выполните make unlock и запустите снова." >&2; exit $$rc; }

# The SLURM plugins go to $(VENV)/cluster, not the venv: Snakemake imports every executor plugin
# it can see at start, and this one imports pandas (scripts/common/lockfile.py).
$(STAMP): requirements.lock scripts/common/lockfile.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python scripts/common/lockfile.py requirements.lock local > $(VENV)/local.lock
	$(BIN)/python scripts/common/lockfile.py requirements.lock cluster > $(VENV)/cluster.lock
	$(BIN)/python -m pip uninstall --quiet --yes -r $(VENV)/cluster.lock 2>/dev/null || true
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(VENV)/local.lock
	rm -rf $(VENV)/cluster
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps --target $(VENV)/cluster \
		-r $(VENV)/cluster.lock
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) $(SMK_FLAGS) || $(LOCK_HINT)
	@$(BIN)/python -m scripts.site.where

results: $(STAMP)
	$(BIN)/snakemake results --cores $(CORES) $(SMK_FLAGS) || $(LOCK_HINT)

templates: $(STAMP)
	$(BIN)/snakemake templates --cores $(CORES) $(SMK_FLAGS) || $(LOCK_HINT)

serve: site  # make serve [PORT=8000]
	$(BIN)/python -m scripts.site.serve --port $(or $(PORT),8000)

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

cluster: $(STAMP)  # make cluster [TARGET=results]: the workflow on SLURM (docs/cluster.md)
	PYTHONPATH=$(CURDIR)/$(VENV)/cluster$(if $(PYTHONPATH),:$(PYTHONPATH)) \
		$(BIN)/snakemake --profile profiles/slurm $(TARGET)

unlock: $(STAMP)
	$(BIN)/snakemake --unlock

clean:
	rm -rf results build logs benchmarks .snakemake
