# make run   : set up (installs uv if missing), then consolidate (demo data in data/demo/ when no landing folder is given:
#              two deliveries of the demo network, an earlier and the final one, so that late registrations show);
#              the publication folder gets the impact report report.html and, printed by headless Chromium, report.pdf
# make browser: Debian's chromium for report.pdf and the report's browser tests (installed when missing and root)
# make test  : the test suite (starts its own PostgreSQL)
# make ui    : the Dagster UI on http://127.0.0.1:3000
# make lint  : ruff (lint) and mypy (types), configured in pyproject.toml
SHELL := /bin/bash
# uv if it is on PATH, else the uv that `make setup` installs into this Python with pip
UV := $(shell command -v uv >/dev/null 2>&1 && echo uv || echo python3 -m uv)
DEMO_KEY := demo-key-NOT-FOR-REAL-DATA-0000000000000000
# Without LEERWINKELS_SOURCES, `make run` and `make ui` work on a demo area of their own
# (landing, staging, warehouse, publication under data/demo/), so demo data never
# overwrites a landing folder and demo figures never replace real ones. The demo key is
# refused on any folder without the marker `leerwinkels demo-data` writes.
DEMO_DIR := data/demo
DEMO := $(if $(strip $(LEERWINKELS_SOURCES)),0,1)
# The demo network's own calendar (the generator's default as-of date): its deliveries and what is
# late or forgotten in them are judged on that date, so `make run` shows the same figures any day.
DEMO_AS_OF := 2026-11-26
# `make run` consolidates two deliveries of the demo network: the earlier one (what was registered
# DEMO_EARLIER_DAYS days before the as-of date, the baseline), then the final one, whose rows
# registered late show as late registrations in the scorecard and the feedback workbooks.
DEMO_EARLIER_DAYS := 14
DEMO_DATA := demo-data $(DEMO_DIR)/landing --trajectories 2000 --seed 1 --as-of $(DEMO_AS_OF)
DEMO_ENV := LEERWINKELS_SOURCES=$(DEMO_DIR)/landing LEERWINKELS_STAGING_DIR=$(DEMO_DIR)/staging \
	LEERWINKELS_DATABASE_URL=sqlite:///$(DEMO_DIR)/warehouse.sqlite LEERWINKELS_PUBLICATION_DIR=$(DEMO_DIR)/publication \
	LEERWINKELS_SETTLE_SECONDS=0 LEERWINKELS_PSEUDONYM_KEY=$(DEMO_KEY) LEERWINKELS_AS_OF=$(DEMO_AS_OF)
# Runs of `make run` and of the UI are recorded in the same local Dagster instance.
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
# Exit 3 (published, with Leerwinkels on their last good data) is no make error: it is said
# in words; the CLI keeps exit code 3 for scripts. Other codes stay make errors.
EXIT3_IS_NO_MAKE_ERROR = code=$$?; if [ $$code -eq 3 ]; then echo ">> exit 3 = published, but one or more Leerwinkels are on their last good data (or without data): see the summary above"; exit 0; fi; exit $$code


.PHONY: setup browser run test lint ui bench demo-data clean

setup:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet --user --break-system-packages uv
	$(UV) sync --frozen

# Headless Chromium prints report.pdf. Installed when missing (as root, with apt-get); where that is not
# possible the run still writes report.html and says in one line why there is no report.pdf.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo ">> installing Debian's chromium (headless, for report.pdf)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; } \
	      || echo ">> chromium could not be installed: report.pdf is skipped, report.html is written"; \
	  else echo ">> no chromium (apt-get install chromium): report.pdf is skipped, report.html is written"; fi; }

run: setup browser $(DAGSTER_HOME)/dagster.yaml
ifeq ($(DEMO),1)
	@echo ">> no LEERWINKELS_SOURCES set: demo data (invented people) in $(DEMO_DIR)/, with the DEMO key"
	@echo ">> two runs, as two nights: run 1 the delivery of $(DEMO_EARLIER_DAYS) days before $(DEMO_AS_OF) (the baseline), run 2 the final one (its late registrations are judged)"
	rm -rf $(DEMO_DIR)/landing $(DEMO_DIR)/staging $(DEMO_DIR)/warehouse.sqlite
	$(UV) run leerwinkels $(DEMO_DATA) --earlier-delivery $(DEMO_EARLIER_DAYS)
	@echo ">> run 1 of 2: the earlier delivery"
	@$(DEMO_ENV) $(UV) run leerwinkels consolidate; $(EXIT3_IS_NO_MAKE_ERROR)
	$(UV) run leerwinkels $(DEMO_DATA)
	@echo ">> run 2 of 2: the final delivery"
	@$(DEMO_ENV) $(UV) run leerwinkels consolidate; $(EXIT3_IS_NO_MAKE_ERROR)
else
	@$(UV) run leerwinkels consolidate; $(EXIT3_IS_NO_MAKE_ERROR)
endif

test: setup
	env -u DAGSTER_HOME $(UV) run pytest -q

lint: setup
	$(UV) run ruff check
	$(UV) run mypy

# the instance's dagster.yaml as the CLI writes it (telemetry off, cheap event storage: leerwinkels.run.instance)
$(DAGSTER_HOME)/dagster.yaml:
	$(UV) run python -c 'import sys; from pathlib import Path; from leerwinkels.run.instance import ensure_dagster_home; ensure_dagster_home(Path(sys.argv[1]))' $(DAGSTER_HOME)

# With no LEERWINKELS_SOURCES the UI works on the demo area of `make run`, with the demo key.
ui: setup $(DAGSTER_HOME)/dagster.yaml
ifeq ($(DEMO),1)
	[ -f $(DEMO_DIR)/landing/.leerwinkels-demo ] || $(UV) run leerwinkels $(DEMO_DATA)
	@echo ">> Dagster UI on the demo data in $(DEMO_DIR)/ with the DEMO key: http://127.0.0.1:3000"
	$(DEMO_ENV) $(UV) run dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000
else
	$(UV) run dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000
endif

bench: setup
	UV="$(UV)" $(UV) run python -m bench.run

clean:
	rm -rf data/staging data/publication data/.publication.releases data/warehouse.sqlite data/demo
