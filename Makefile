# `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean system-packages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian packages the tests and the demo need: graphviz (dot) for diagrams, chromium
# for the review report's browser test, the PostgreSQL server for the scale-out tests
# (they start a throwaway server).  Installed only when missing.
system-packages:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) system-packages lint
	$(BIN)/pytest -q

# The main job, on the embedded SQLite default: the example workflows and generated SMS
# traffic through simulate into out/demo/helpdesk.db, a summary, the diagrams with
# traced paths and the review report.
DEMO := out/demo
demo: $(STAMP) system-packages
	@mkdir -p $(DEMO)
	@rm -f $(DEMO)/helpdesk.db $(DEMO)/helpdesk.db-wal $(DEMO)/helpdesk.db-shm
	$(BIN)/helpdesk-rules validate workflows/
	$(BIN)/helpdesk-rules traffic --customers 2000 --seed 7 > $(DEMO)/events.jsonl
	$(BIN)/helpdesk-rules simulate --database $(DEMO)/helpdesk.db --json $(DEMO)/events.jsonl > $(DEMO)/decisions.jsonl
	$(BIN)/helpdesk-rules summary $(DEMO)/decisions.jsonl
	$(BIN)/helpdesk-rules render workflows/ --out $(DEMO)/diagrams --trace $(DEMO)/decisions.jsonl > /dev/null
	$(BIN)/helpdesk-rules review workflows/ --out $(DEMO)/review
	@echo
	@echo "events:      $(DEMO)/events.jsonl ($$(wc -l < $(DEMO)/events.jsonl) lines)"
	@echo "decisions:   $(DEMO)/decisions.jsonl (simulate --json)"
	@echo "database:    $(DEMO)/helpdesk.db (try: $(BIN)/helpdesk-rules history --database $(DEMO)/helpdesk.db C1)"
	@echo "diagrams:    $(DEMO)/diagrams/ (one per workflow, traces: *.trace.svg, overview.svg)"
	@echo "review:      $(DEMO)/review/index.html"

bench: $(STAMP) system-packages
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
