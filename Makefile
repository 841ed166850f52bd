# make run   : set up (installs uv if missing), then consolidate (demo data when no landing folder is given)
# make test  : the test suite (starts its own PostgreSQL)
# make ui    : the Dagster UI on http://127.0.0.1:3000
SHELL := /bin/bash
# uv if it is on PATH, else the uv that `make setup` installs into this Python with pip
UV := $(shell command -v uv >/dev/null 2>&1 && echo uv || echo python3 -m uv)
DEMO_KEY := demo-key-NOT-FOR-REAL-DATA-0000000000000000
# Runs of `make run` and of the UI are recorded in the same local Dagster instance.
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home


.PHONY: setup run test ui bench demo-data clean

setup:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet --user --break-system-packages uv
	$(UV) sync --frozen

run: setup $(DAGSTER_HOME)/dagster.yaml
	@if [ -z "$$LEERWINKELS_SOURCES" ]; then \
	  echo ">> no LEERWINKELS_SOURCES set: generating demo data into data/landing (invented people)"; \
	  $(UV) run leerwinkels demo-data data/landing --trajectories 2000 --seed 1 && \
	  echo ">> using a DEMO pseudonymisation key (only for demo data; set LEERWINKELS_PSEUDONYM_KEY for real data)" && \
	  LEERWINKELS_PSEUDONYM_KEY="$${LEERWINKELS_PSEUDONYM_KEY:-$(DEMO_KEY)}" LEERWINKELS_SOURCES=data/landing \
	    $(UV) run leerwinkels consolidate; \
	else \
	  $(UV) run leerwinkels consolidate; \
	fi

test: setup
	env -u DAGSTER_HOME $(UV) run pytest -q

$(DAGSTER_HOME)/dagster.yaml:
	mkdir -p $(DAGSTER_HOME)
	printf 'telemetry:\n  enabled: false\n' > $@

# With no LEERWINKELS_SOURCES the UI works on the demo folder of `make run`, with the demo key.
ui: setup $(DAGSTER_HOME)/dagster.yaml
	@if [ -z "$$LEERWINKELS_SOURCES" ]; then \
	  [ -d data/landing ] || $(UV) run leerwinkels demo-data data/landing --trajectories 2000 --seed 1; \
	  export LEERWINKELS_SOURCES=data/landing LEERWINKELS_PSEUDONYM_KEY="$${LEERWINKELS_PSEUDONYM_KEY:-$(DEMO_KEY)}"; \
	  echo ">> Dagster UI on demo data with the DEMO key: http://127.0.0.1:3000"; \
	  $(UV) run dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000; \
	else \
	  $(UV) run dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000; \
	fi

bench: setup
	UV="$(UV)" $(UV) run python -m bench.run

clean:
	rm -rf data/staging data/publication data/.publication.releases data/warehouse.sqlite
