#!/usr/bin/env bash
# Builds .venv from the pinned requirements, installs the binaries and makes this checkout the
# eksforge.platform collection for ansible (.venv/collections/ansible_collections/eksforge/platform).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
python=$(scripts/find-python)
# A venv cut off while it was being made (no pip yet) is made again.
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
   || ! "$venv/bin/python" -m pip --version > /dev/null 2>&1; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
# The tools' downloads (npm packages, checkov's own virtualenv) run beside pip: both wait on the registries more than
# on the CPU. Their output is shown only if they fail; the full run after pip finds them done.
downloads_log="$venv/tool-downloads.log"
scripts/install-tools.sh "$venv" downloads > "$downloads_log" 2>&1 &
downloads=$!
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | grep -v "is ignored" || true
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r requirements-dev.txt -c constraints.txt 2>&1 | grep -v "is ignored" || true
if ! wait "$downloads"; then
  cat "$downloads_log" >&2
  echo "scripts/install-tools.sh $venv downloads failed (output above)" >&2
  exit 1
fi
"$venv/bin/python" -c 'import ansible, boto3, moto, kubernetes, yaml' # fail here if pip failed above
scripts/install-tools.sh "$venv"
mkdir -p "$venv/collections/ansible_collections/eksforge"
ln -sfn "$(pwd)" "$venv/collections/ansible_collections/eksforge/platform"
touch "$venv/.installed"
