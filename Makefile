PYTHON ?= python3.11
VENV := .venv
# pytest-xdist workers, which steal work from each other so a long scenario never ends the run
# alone; `make test PYTEST_WORKERS=0` runs the suite in one process.
PYTEST_WORKERS ?= 4
BIN := $(VENV)/bin
SOURCES := bot conversations handlers scheduler storage

# Installs come from the lock in requirements/ (exact versions with hashes), by uv, which pip
# puts in the venv from requirements/uv.txt. Change the pin below, then `make lock`.
UV_VERSION := 0.13.9
UV := $(BIN)/uv
UV_PIP := $(UV) pip --quiet
# The cache is often on another file system than the venv; the system's certificate store is
# also what pip trusts (a TLS-inspecting proxy's CA is installed there).
export UV_LINK_MODE ?= copy
export UV_SYSTEM_CERTS ?= 1
# Extra options for `make lock`: --upgrade, or --upgrade-package NAME (see the README).
LOCK_FLAGS ?=
UV_COMPILE := $(UV_PIP) compile --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" $(LOCK_FLAGS)

.PHONY: run test lint install install-test lock clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(UV): requirements/uv.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--no-deps -r requirements/uv.txt
	touch $@

# Each stamp is rebuilt only when its lock, or pyproject.toml, changes. The project itself goes
# in editable and without dependencies (the lock has them all); `uv pip check` then catches a
# pyproject.toml that asks for something the lock lacks. Packages are compiled to bytecode as
# they are installed: where PYTHONDONTWRITEBYTECODE is set, every process would otherwise
# compile each module it imports again (seconds for each bot process and test worker).
$(VENV)/.installed-%: requirements/%.txt pyproject.toml $(UV)
	$(UV_PIP) install --python $(BIN)/python --require-hashes --compile-bytecode -r $<
	$(UV_PIP) install --python $(BIN)/python --no-deps -e .
	$(UV_PIP) check --python $(BIN)/python || \
		{ echo "The lock does not match pyproject.toml: run make lock." >&2; exit 1; }
	touch $@

install: $(VENV)/.installed-run

install-test: $(VENV)/.installed-test

# Re-resolves from pyproject.toml, keeping every pin that still fits. The runtime lock is
# constrained by the test lock, so both carry the same version of each package they share.
lock: $(UV)
	$(UV_COMPILE) pyproject.toml --extra test -o requirements/test.txt
	$(UV_COMPILE) pyproject.toml -c requirements/test.txt -o requirements/run.txt
	echo "uv==$(UV_VERSION)" | $(UV_COMPILE) - -o requirements/uv.txt

run: install
	$(BIN)/familytime run

test: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m compileall -q $(SOURCES)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal

# Debian's chromium for the sandbox's browser test (Playwright drives it; no browser downloads).
browser:
	.ci/browser

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
