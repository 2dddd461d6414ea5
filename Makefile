# Loket — the two commands: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_SYS ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# What the tests and the app need from Debian: a virtual screen and the X libraries of Qt's xcb
# platform plugin (`make run` opens a real window), poppler (pdftotext, pdfsig, pdftoppm) to
# read back generated PDFs, and a D-Bus session bus with GNOME Keyring: `make run` starts a
# throwaway Secret Service so the demo keeps its session the way an office PC does
# (desktop/commands/demo.py; Python `keyring` reaches it through SecretStorage/jeepney).
# SANE (sane-utils, libsane-dev to build python-sane) for the scanner tests on the `test` backend.
# libnss3-tools: certutil, to make the NSS database pdfsig trusts the test CA from (signing tests).
# qpdf: `qpdf --check` on the generated letters (tests/desktop/documents/test_letter.py).
DEBIAN_PACKAGES := python3-venv python3-dev gcc xvfb xauth poppler-utils \
	libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
	libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 fonts-dejavu-core \
	dbus-daemon gnome-keyring \
	sane-utils libsane1 libsane-dev libnss3-tools qpdf

.PHONY: help run test lint typecheck pytest bench deps-debian clean-venv

help:
	@echo "make run   - set up, start the reference server with demo data and open the desktop"
	@echo "make test  - set up and run the whole suite (ruff, import contracts, mypy --strict, pytest,"
	@echo "            and the server suite again on PostgreSQL)"
	@echo "make bench - run the benchmarks in bench/ and print them beside their budgets"
	@echo "make check-server-install - install only loket[server] into a fresh venv and import it"

deps-debian:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory deps-debian
	test -x $(PYTHON) || $(PYTHON_SYS) -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q -e '.[dev]'  # desktop + server + postgres + test tools
	touch $(STAMP)

# deps-debian again (a quick dpkg check when nothing is missing): packages added to the list
# reach a checkout whose venv is already built.
run: deps-debian $(STAMP)
	$(PYTHON) -m desktop demo

# ruff, and the layers (import-linter, `[tool.importlinter]` in pyproject.toml): the domain
# imports nothing above it, models and services no views, the server only the domain.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict desktop server

# pytest-xdist workers: one per CPU, at most 4 (the suite's servers, GUI tests and timing
# waits stay reliable there; more adds load, not speed). `make test PYTEST_WORKERS=0` runs
# serially (debugging a test's order). --durations: the 30 slowest, so the suite's 10-minute budget is watched.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)

pytest: deps-debian $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PYTHON) -m pytest -n $(PYTEST_WORKERS) --durations=30

# The server suite runs twice: on SQLite inside `pytest`, then on a throwaway PostgreSQL cluster
# (test-postgres in server/Makefile.inc, which installs Debian's postgresql when missing), so
# every run proves both databases the server supports.
test: lint typecheck pytest test-postgres

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(PYTHON) $$b || exit 1; done

clean-venv:
	rm -rf $(VENV)

-include server/Makefile.inc
