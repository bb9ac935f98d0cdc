"""The GitOps loop on the sandbox (`python -m bench gitops`): playbooks/site.yml cold and no-op with Argo CD and
the shop, then releases the way the sandbox's CI does (sandbox/ci.py: the image manifest put into ECR, then
playbooks/release.yml): the time from the bump to the Application's Synced + Healthy at the new commit."""

from __future__ import annotations

from sandbox import ci, harness

SITE = "playbooks/site.yml"
PLATFORM = "eksforge-local"
REGION = "us-east-1"
RELEASES = (("cart", "v1.1.0"), ("order", "v1.1.0"), ("cart", "v1.2.0"))

COLUMNS = [("run", "label"), ("wall time (s)", "seconds"), ("changed", "changed"), ("API calls", "api_calls")]


def _row(label: str, run: harness.PlaybookRun) -> dict:
    if run.rc != 0:
        raise SystemExit(f"{label} failed (rc={run.rc}):\n{run.output[-4000:]}")
    return {"label": label, "seconds": round(run.seconds, 1), "changed": run.changed, "api_calls": run.total_calls}


def run(sandbox: harness.Sandbox) -> list[dict]:
    sandbox.reset()
    rows = [_row("site.yml cold (infra, Argo CD, shop)", harness.run_playbook(sandbox, SITE)),
            _row("site.yml no-op", harness.run_playbook(sandbox, SITE))]
    for service, tag in RELEASES:
        ci.push_image(sandbox, f"{PLATFORM}/{service}", tag, REGION)
        release = harness.run_playbook(sandbox, ci.RELEASE, extra_vars={"shop_release_service": service,
                                                                         "shop_release_tag": tag})
        rows.append(_row(f"release {service} {tag}: bump to Synced + Healthy", release))
    return rows
