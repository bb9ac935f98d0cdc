"""LoadBalancer services: an ELB hostname, as the AWS cloud controller reports it."""

from __future__ import annotations

from .context import SERVICES, Context, live, short_hash
from .load_balancers_model import service_handled


def reconcile(ctx: Context) -> None:
    for svc in live(ctx.list(SERVICES)):
        spec, meta = svc.get("spec") or {}, svc["metadata"]
        if spec.get("type") != "LoadBalancer" or service_handled(svc):
            continue
        if ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
            continue
        hostname = f"{meta['name']}-{short_hash(meta['uid'], 16)}.elb.{ctx.info.region}.amazonaws.com"
        ctx.set_status(SERVICES, svc, {"loadBalancer": {"ingress": [{"hostname": hostname}]}})
