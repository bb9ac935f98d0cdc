"""The pod subresources that need a running container — log, exec, attach, portforward and ephemeralcontainers
(`kubectl debug`) — answered as far as a sandbox that runs no containers can.

`log` returns the one line the simulated kubelet wrote when it "started" the container (with `follow` the
stream simply ends, so `kubectl logs -f` returns). exec, attach and port-forward are refused before any
upgrade to a stream, and adding an ephemeral container is refused too (kubectl would wait for it to run):
a 400 Status saying the sandbox runs no containers, which kubectl prints once and exits on, as it does when
the apiserver cannot reach a kubelet."""

from __future__ import annotations

from werkzeug.wrappers import Response

from .. import kinds
from ..errors import bad_request

SUBRESOURCES = ("log", "exec", "attach", "portforward", "ephemeralcontainers")
PODS = kinds.builtin_by_kind("", "Pod")
_STREAMS = {"exec": "run commands in", "attach": "attach to", "portforward": "forward ports to",
            "ephemeralcontainers": "add a debug container to"}


def verb(method: str, subresource: str) -> str:
    """The authorization verb: reading logs is `get`; the others (and their websocket GETs) are `create`."""
    return "get" if subresource == "log" or (subresource == "ephemeralcontainers" and method == "GET") else "create"


def serve(exchange, namespace: str, name: str, subresource: str) -> Response:
    pod = exchange.objects.get(PODS, namespace, name)
    if subresource == "log":
        return _log(exchange, pod)
    if subresource == "ephemeralcontainers" and exchange.request.method == "GET":
        return exchange.respond(pod)
    raise bad_request(f'the sandbox runs no containers, so it cannot {_STREAMS[subresource]} pod "{name}": its '
                      f"containers are simulated (status only); logs show the line the simulation wrote")


def _log(exchange, pod: dict) -> Response:
    args, name = exchange.args, pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    containers = [c.get("name") for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])]
    container = args.get("container")
    if not container:
        if len(spec.get("containers") or []) != 1:
            raise bad_request(f"a container name must be specified for pod {name}, choose one of: "
                              f"[{' '.join(c.get('name', '') for c in spec.get('containers') or [])}]")
        container = spec["containers"][0].get("name")
    if container not in containers:
        raise bad_request(f"container {container} is not valid for pod {name}")
    if args.get("previous") in ("true", "1"):
        raise bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
    state = next((s for s in (pod.get("status") or {}).get("containerStatuses") or []
                  if s.get("name") == container), None)
    started = ((state or {}).get("state") or {}).get("running", {}).get("startedAt") or \
        ((state or {}).get("state") or {}).get("terminated", {}).get("startedAt")
    if not started:
        raise bad_request(f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating')
    image = next((c.get("image") for c in spec.get("containers") or [] if c.get("name") == container), "")
    line = (f'container "{container}" (image {image}) started by the sandbox: no process runs in the sandbox, '
            f"so this is all it logs\n")
    if args.get("timestamps") in ("true", "1"):
        line = f"{started.replace('Z', '.000000000Z')} {line}"
    if args.get("tailLines") == "0":
        line = ""
    limit = args.get("limitBytes")
    if limit:
        try:
            line = line.encode()[:int(limit)].decode(errors="ignore")
        except ValueError:
            raise bad_request("limitBytes must be an integer") from None
    return Response(line, content_type="text/plain")
