#!/usr/bin/env bash
# Static checks of the Terraform stacks under terraform/: fmt, validate (providers from the mirror, no backend),
# checkov (0 failed checks; every skip is written in the HCL with its reason).
set -euo pipefail
cd "$(dirname "$0")/.."
mirror=${EKSFORGE_TF_PROVIDER_MIRROR:-/opt/tf-plugins}
checkov=${CHECKOV:-.venv/tools/checkov/bin/checkov}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The project's own CLI configuration: hashicorp/aws from the mirror, nothing from anywhere else.
cat > "$work/terraform.rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$work/terraform.rc" TF_IN_AUTOMATION=1
for stack in terraform/*/; do
  terraform -chdir="$stack" fmt -check -recursive -diff
  # A copy, so that init writes .terraform and the lock file outside the checkout.
  cp -r "$stack" "$work/stack"
  terraform -chdir="$work/stack" init -backend=false -input=false >/dev/null
  terraform -chdir="$work/stack" validate
  rm -rf "$work/stack"
done
"$checkov" --directory terraform --framework terraform --quiet --compact
