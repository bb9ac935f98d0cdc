#!/usr/bin/env bash
# The AWX execution environment (execution-environment.yml): builds this collection into .build/ee, then runs
# ansible-builder with the given command and options.
#   scripts/awx-ee.sh build --tag <registry>/eksforge-platform-ee:<version>   # the image (podman or docker)
#   scripts/awx-ee.sh create --context <folder>                               # only the build context
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(pwd)/.venv/bin
rm -rf .build/ee
mkdir -p .build/ee
"$bin/ansible-galaxy" collection build --output-path .build/ee . >/dev/null
exec "$bin/ansible-builder" "${1:-build}" --file execution-environment.yml "${@:2}"
