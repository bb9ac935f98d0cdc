"""LoadBalancer Services the AWS Load Balancer Controller does not handle: the host name EKS's built-in AWS cloud
provider reports for the Classic Load Balancer it makes (`a<uid without dashes, 32 characters>-<number>.<region>.
elb.amazonaws.com`). No CLB is created in the AWS sandbox (sandbox/k8s/README.md, known divergences); Services of
class service.k8s.aws/nlb or aws-load-balancer-type external/nlb-ip are load_balancers.py's."""

from __future__ import annotations

import hashlib

from .context import SERVICES, Context, live
from .load_balancers_model import service_handled


def reconcile(ctx: Context) -> None:
    for svc in live(ctx.list(SERVICES)):
        spec, meta = svc.get("spec") or {}, svc["metadata"]
        if spec.get("type") != "LoadBalancer" or service_handled(svc):
            continue
        if ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
            continue
        ctx.set_status(SERVICES, svc, {"loadBalancer": {"ingress": [{"hostname": classic_hostname(meta["uid"],
                                                                                                  ctx.info.region)}]}})


def classic_hostname(uid: str, region: str) -> str:
    name = ("a" + uid.replace("-", ""))[:32]
    return f"{name}-{int(hashlib.sha256(uid.encode()).hexdigest(), 16) % 10**10}.{region}.elb.amazonaws.com"
