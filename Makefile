# The two commands of the README: `make demo` and `make test`.
# Each sets up what it needs: Debian packages, the virtualenv, the project.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := libzbar0 postgresql chromium fonts-noto-cjk tmux wrk espeak-ng cage foot grim xwayland python3-venv python3-pip

.PHONY: demo test check lint typecheck bench setup clean dist pos-catalog pos-snapshots pda-catalog pda-snapshots sdk-catalog pinpad-catalog

$(STAMP): pyproject.toml
	scripts/ensure-debian-packages $(DEBIAN_PACKAGES)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

setup: $(STAMP)
	@scripts/ensure-debian-packages $(DEBIAN_PACKAGES)

demo: setup
	scripts/pos-demo

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy .

check: lint typecheck test

# The full fault suite (the test suite runs a short form): prints its table, fails on a non-zero count.
.PHONY: faults
faults: setup
	$(PY) -m tests.faults

# The API fuzzer at length (the test suite runs 12 requests an operation): prints the figures.
.PHONY: fuzz
fuzz: setup
	SCANPAY_FUZZ_EXAMPLES=$${SCANPAY_FUZZ_EXAMPLES:-200} $(PY) -m pytest tests/backend/test_fuzz.py -q -s

# Every benchmark beside its peer, a few minutes: the table goes to bench/RESULTS.md.
bench: setup
	$(PY) -m bench

# The wheel a till installs or upgrades to, beside the script that installs it (README, "The till
# as a kiosk"): copy dist/ to the till, then ./install-kiosk --wheel scanpay-*.whl, or for an
# upgrade /opt/scanpay/current/bin/scanpay-kiosk upgrade scanpay-*.whl.
dist: setup
	rm -rf dist
	$(PY) -m pip wheel --no-deps --quiet --wheel-dir dist .
	rm -rf build
	cp deploy/install-kiosk dist/

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# The POS's message catalog: pull the words out of the code (and appkit's), merge them into the .po files.
pos-catalog: setup
	$(VENV)/bin/pybabel extract -k tr -k N_ -k ngettext:1,2 --no-location --sort-output \
		-o pos_client/locale/pos.pot pos_client appkit
	$(VENV)/bin/pybabel update -i pos_client/locale/pos.pot -d pos_client/locale -D pos \
		--ignore-obsolete --no-wrap

# Refresh the POS's screen snapshots after a deliberate change (look at the SVGs before committing).
pos-snapshots: setup
	$(PY) -m pytest tests/pos/test_snapshots.py --snapshot-update -q

# The PDA's message catalog: pull the words out of the code (and appkit's), merge them into the .po files.
pda-catalog: setup
	$(VENV)/bin/pybabel extract -k tr -k N_ -k ngettext:1,2 --no-location --sort-output \
		-o pda_client/locale/pda.pot --project scanpay-pda --copyright-holder ScanPay pda_client appkit
	$(VENV)/bin/pybabel update -i pda_client/locale/pda.pot -d pda_client/locale -D pda -l zh --init-missing \
		--ignore-obsolete --no-fuzzy-matching

# Refresh the PDA's screen snapshots after a deliberate change (look at the SVGs before committing).
pda-snapshots: setup
	$(PY) -m pytest tests/pda/test_snapshots.py --snapshot-update -q

# The SDK's catalog (shift reports, credential problems) and the virtual PIN pad's, made the same way.
sdk-catalog: setup
	$(VENV)/bin/pybabel extract -k tr -k N_ -k ngettext:1,2 --no-location --sort-output \
		-o terminal_sdk/locale/sdk.pot --project scanpay-sdk --copyright-holder ScanPay terminal_sdk
	$(VENV)/bin/pybabel update -i terminal_sdk/locale/sdk.pot -d terminal_sdk/locale -D sdk -l zh --init-missing \
		--ignore-obsolete --no-fuzzy-matching

pinpad-catalog: setup
	$(VENV)/bin/pybabel extract -k tr -k N_ -k ngettext:1,2 --no-location --sort-output \
		-o drivers/pinpad/locale/pinpad.pot --project scanpay-pinpad --copyright-holder ScanPay drivers/pinpad
	$(VENV)/bin/pybabel update -i drivers/pinpad/locale/pinpad.pot -d drivers/pinpad/locale -D pinpad -l zh \
		--init-missing --ignore-obsolete --no-fuzzy-matching
