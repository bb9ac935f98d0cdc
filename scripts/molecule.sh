#!/usr/bin/env bash
# Runs every molecule scenario (molecule/<scenario>/molecule.yml) in turn: create (starts a private
# sandbox), converge, idempotence, verify, destroy.
set -euo pipefail
cd "$(dirname "$0")/.."
scenarios=()
for config in molecule/*/molecule.yml; do
  [ -f "$config" ] || continue
  scenarios+=("$(basename "$(dirname "$config")")")
done
if [ ${#scenarios[@]} -eq 0 ]; then echo "no molecule scenarios" >&2; exit 1; fi
for scenario in "${scenarios[@]}"; do
  echo "== molecule test -s $scenario"
  molecule test -s "$scenario"
done
