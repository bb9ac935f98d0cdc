# eksforge.platform — the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# The sandbox's default state folder and ports (`python -m sandbox --help`).
export EKSFORGE_SANDBOX_DIR ?= $(CURDIR)/.sandbox
INVENTORY ?= inventories/local
# pytest workers (pytest-xdist); a test file runs whole on one worker, each worker has its own sandboxes. More
# workers than CPUs: a worker spends about half its time waiting (on AWS polls, helm --wait, retries' backoff).
PYTEST_WORKERS ?= 3

.PHONY: help setup demo test lint sanity pytest molecule sandbox-up sandbox-down sandbox-status \
        sandbox-reset destroy bench clean

help:
	@echo "make demo    - set up .venv, start the sandbox, run playbooks/site.yml on $(INVENTORY), print a summary"
	@echo "make test    - everything CI checks: ansible-lint, ansible-test sanity, pytest, molecule"
	@echo "make setup | sandbox-up | sandbox-down | sandbox-status | sandbox-reset | destroy | bench | clean"

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-checkov.txt requirements-terraform.txt constraints.txt scripts/bootstrap.sh scripts/install-tools.sh scripts/install-binaries.sh scripts/terraform-shim.py
	scripts/bootstrap.sh

sandbox-up: setup
	$(BIN)/python -m sandbox up

sandbox-down: setup
	$(BIN)/python -m sandbox down

sandbox-status: setup
	$(BIN)/python -m sandbox status

sandbox-reset: setup
	$(BIN)/python -m sandbox reset

demo: sandbox-up
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/site.yml
	# The shop's first images, as its CI pipelines would have pushed them (sandbox/ci.py).
	$(BIN)/python -m sandbox.ci push v1.0.0 front cart user product rating order
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/summary.yml -e summary_wait_seconds=600

destroy: setup
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/destroy.yml

lint: setup
	$(BIN)/ansible-lint --profile production
	scripts/terraform-checks.sh

sanity: setup
	scripts/sanity.sh

pytest: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=25

molecule: setup
	scripts/molecule.sh

# The static checks first (minutes, and a failure there ends the run early), lint beside sanity (which spends its
# first minutes installing its test environments), then pytest and molecule side by side: molecule's runs wait as
# much as pytest's do. Each one's output is printed whole when it ends.
test: setup
	$(MAKE) --no-print-directory -j2 --output-sync=target lint sanity
	$(MAKE) --no-print-directory -j2 --output-sync=target pytest molecule

bench: setup
	$(BIN)/python -m bench

clean:
	-$(BIN)/python -m sandbox down 2>/dev/null
	rm -rf .build .pytest_cache .hypothesis bench/results
