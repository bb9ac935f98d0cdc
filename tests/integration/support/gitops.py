"""The sandbox's git server as the GitOps tests read it: real git, credentials in a header."""

from __future__ import annotations

import base64
import subprocess
import time
from pathlib import Path

REPOSITORY = "eksforge/gitops.git"  # inventories/local's gitops_repository_url on the sandbox's git server


def git(platform, *args: str, cwd: Path | None = None) -> str:
    """Real git against the sandbox's git server, credentials in a header (never in the URL)."""
    user, password = platform.sandbox.git_credentials
    header = "Authorization: Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    done = subprocess.run(["git", "-c", f"http.extraHeader={header}", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def clone(platform, tmp_path: Path) -> Path:
    folder = tmp_path / f"gitops-{time.monotonic_ns()}"
    git(platform, "clone", "--quiet", f"{platform.sandbox.git_url}/{REPOSITORY}", str(folder))
    return folder
