# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint unit bench soak schema clean chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check controller tests bench
	$(BIN)/ruff format --check controller tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
# GitHub workflows: zizmor's security audits (offline) and GitHub's workflow schema
# (vendored in check-jsonschema's wheel, so offline too).
	$(BIN)/zizmor --offline --no-progress --min-severity low .github/workflows
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

unit: $(STAMP) chromium
	$(BIN)/python -m pytest -m "not soak" -q

# The status page's browser test (tests/status/test_browser.py) needs Debian's chromium.
# Installed here when running as root (CI, a fresh machine: ~1.5 min with apt-get update);
# otherwise the test is skipped and says why.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; } \
	      || echo "warning: could not install chromium: the browser test will be skipped"; \
	  else \
	    echo "chromium is not installed and this is not root: the browser test will be skipped"; \
	  fi; \
	}

test: lint unit

# The edit-and-run loop: no lint, no slow tests (servers, subprocesses, real-time waits;
# marked in tests/conftest.py). Under a minute; `make test` is what CI runs.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not soak and not slow" -q

demo: $(STAMP)
	./scripts/demo.sh

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Long reliability runs (tests/reliability, ~15 min); figures for docs/reliability.md
# are collected as JSON lines in .subctl/soak-figures.jsonl.
soak: $(STAMP)
	mkdir -p .subctl && rm -f .subctl/soak-figures.jsonl
	SUBCTL_RELIABILITY_FIGURES=.subctl/soak-figures.jsonl $(BIN)/python -m pytest -m soak -q

schema: $(STAMP)
	$(BIN)/subctl schema > schemas/subscriptionset.schema.json

clean:
	rm -rf $(VENV) .subctl .mypy_cache .pytest_cache .ruff_cache
