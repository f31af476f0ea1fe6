# The two commands of the README: `make demo` and `make test`.
# Each sets up what it needs: Debian packages, the virtualenv, the project.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := libzbar0 postgresql chromium

.PHONY: demo test check lint typecheck bench setup clean

$(STAMP): pyproject.toml
	scripts/ensure-debian-packages $(DEBIAN_PACKAGES)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

setup: $(STAMP)
	@scripts/ensure-debian-packages $(DEBIAN_PACKAGES)

demo: setup
	$(VENV)/bin/scanpay-paycode --issuer points

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy .

check: lint typecheck test

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
