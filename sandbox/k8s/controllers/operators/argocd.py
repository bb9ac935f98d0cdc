"""A simulated Argo CD application controller, acting only while the argo-cd chart's application-controller
StatefulSet is installed and ready (its namespace is Argo CD's: Applications, AppProjects, argocd-cm and the
repository Secrets are read there).

Each pass, for every Application of that namespace:
- refresh: resolve the source's revision and render it (argocd_repository.py), at once on the
  `argocd.argoproj.io/refresh` annotation (which is then removed), a spec change or a pending operation; when a new
  commit appears (the source's refs are read every EKSFORGE_SANDBOX_ARGOCD_REFRESH seconds, the sandbox's stand-in
  for the git webhook that makes Argo CD refresh on a push); and every argocd-cm `timeout.reconciliation` (Argo CD's
  default 120s; 0 turns the periodic refresh off). Each refresh is a reconciliation (status.reconciledAt);
- compare the rendered objects with the live ones, tracked by annotation (`argocd.argoproj.io/tracking-id`),
  label (argocd-cm `application.instanceLabelKey`) or both, per argocd-cm `application.resourceTrackingMethod`
  (default annotation, as in Argo CD 3); live objects an Application tracks but no longer renders require pruning;
- sync (server-side apply, field manager argocd-controller, forced; in Argo CD's order of waves and kinds) when an
  `operation` asks for it, or when automated and OutOfSync at a revision not synced yet, or at any revision with
  selfHeal; prune only with automated.prune (or the operation's prune);
- write status: sync (status, revision, comparedTo), health (gitops-engine's checks, argocd_health.py),
  operationState, resources (per-resource health only with argocd-cmd-params-cm
  `controller.resource.health.persist: "true"`, else resourceHealthSource appTree, as in Argo CD 3), summary.images
  (from the live pod templates), history, conditions (ComparisonError, InvalidSpecError), reconciledAt.
AppProjects restrict sources, destinations and cluster-scoped kinds (clusterResourceWhitelist) as Argo CD's do;
project `default` allows everything. Deleting an Application with the resources finalizer deletes what it tracks
first. Only the in-cluster destination (https://kubernetes.default.svc, in-cluster) is served.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import os
import re
import time

from ...errors import ApiError
from ...objects import APPLY_PATCH, WriteOptions, timestamp
from ..context import Context, live
from ..custom_resources import gate_open
from ..stages import Gate
from . import argocd_health as health_checks
from .argocd_repository import REPOSITORY_LABEL, RepoServer, SourceError, credentials

log = logging.getLogger(__name__)

NAME = "argocd"
GATE = Gate("StatefulSet", {"app.kubernetes.io/name": "argocd-application-controller"})
REFRESH_ENV = "EKSFORGE_SANDBOX_ARGOCD_REFRESH"
DEFAULT_REFRESH = 3.0
DEFAULT_RECONCILIATION = "120s"  # argocd-cm timeout.reconciliation when unset
REFRESH_ANNOTATION = "argocd.argoproj.io/refresh"
TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"
IN_CLUSTER_SERVER, IN_CLUSTER_NAME = "https://kubernetes.default.svc", "in-cluster"
# Kinds never deployed from git (and numerous): not scanned for tracking marks.
UNTRACKED_KINDS = ("Event", "Endpoints", "EndpointSlice", "Pod", "ReplicaSet", "ControllerRevision", "Lease",
                   "APIService", "TokenReview", "SelfSubjectReview", "SubjectAccessReview", "SelfSubjectAccessReview",
                   "SelfSubjectRulesReview", "LocalSubjectAccessReview")
MANAGER = WriteOptions(manager="argocd-controller", field_validation="Ignore", force=True)
HISTORY_LIMIT = 10
SELF_HEAL_TIMEOUT = 2.0  # seconds; Argo CD's default is 5
# gitops-engine's kind order within a wave (sync_tasks.go); kinds not listed come after these.
KIND_ORDER = ("Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
              "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
              "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
              "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
              "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
              "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService")

REPO_SERVER = RepoServer()


def reconcile(ctx: Context) -> None:
    namespace = controller_namespace(ctx)
    if namespace is None:
        return
    types = {(t.api_version, t.kind): t for t in ctx.objects.resource_types()}
    app_type = types.get(("argoproj.io/v1alpha1", "Application"))
    if app_type is None:
        return
    apps = ctx.list(app_type, namespace)
    if not apps:
        return
    core = {name: types[("v1", kind)] for name, kind in (("cm", "ConfigMap"), ("secret", "Secret"))}
    settings = _config_map(ctx, core["cm"], namespace, "argocd-cm")
    world = World(ctx, namespace, types, settings, _config_map(ctx, core["cm"], namespace, "argocd-cmd-params-cm"),
                  [s for s in ctx.list(core["secret"], namespace)
                   if (s["metadata"].get("labels") or {}).get(REPOSITORY_LABEL) in ("repository", "repo-creds")])
    interval = float(os.environ.get(REFRESH_ENV) or DEFAULT_REFRESH)
    for app in apps:
        try:
            Reconciler(world, app_type, app, interval).run()
        except Exception:  # one Application's failure must not stop the others
            log.exception("argocd: reconciling Application %s failed", app["metadata"]["name"])
    ctx.wake_in(interval)


def duration_seconds(text: str) -> float:
    """A Go duration as argocd-cm writes it ("180s", "3m", "1h30m", "0") in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text.strip())
    if text.strip() in ("", "0"):
        return 0.0
    if not parts or "".join(number + unit for number, unit in parts) != text.strip():
        return duration_seconds(DEFAULT_RECONCILIATION)  # as Argo CD falls back to its default on a bad value
    return sum(float(number) * units[unit] for number, unit in parts)


def controller_namespace(ctx: Context) -> str | None:
    """The namespace of a ready application-controller StatefulSet of the argo-cd chart, or None."""
    from ..context import STATEFUL_SETS

    for workload in live(ctx.list(STATEFUL_SETS)):
        namespace = workload["metadata"]["namespace"]
        if GATE.selects(workload) and gate_open(ctx, Gate(GATE.kind, GATE.match_labels, namespace)):
            return namespace
    return None


def _config_map(ctx: Context, rtype, namespace: str, name: str) -> dict:
    found = ctx.find(rtype, namespace, name)
    return dict((found or {}).get("data") or {})


class World:
    """What a pass shares between Applications: the cluster, Argo CD's settings, the tracked live objects."""

    def __init__(self, ctx: Context, namespace: str, types: dict, settings: dict, params: dict, secrets: list):
        self.ctx, self.namespace, self.types, self.settings, self.secrets = ctx, namespace, types, settings, secrets
        self.persist_health = params.get("controller.resource.health.persist", "false") == "true"
        self.tracking = settings.get("application.resourceTrackingMethod") or "annotation"
        self.label_key = settings.get("application.instanceLabelKey") or "app.kubernetes.io/instance"
        self.reconciliation_timeout = duration_seconds(settings.get("timeout.reconciliation") or DEFAULT_RECONCILIATION)
        self._tracked: dict[str, list] | None = None
        self._revisions: dict[str, str | SourceError] = {}

    def resolve(self, source: dict, creds: dict) -> str:
        """REPO_SERVER.resolve, once per pass for each source and credentials: the Applications of one repository
        (the shop's root and its seven) read its refs once, as Argo CD's repo-server caches a resolved revision."""
        key = json.dumps([source.get("repoURL"), source.get("targetRevision"), source.get("chart"), creds],
                         sort_keys=True)
        if key not in self._revisions:
            try:
                self._revisions[key] = REPO_SERVER.resolve(source, creds)
            except SourceError as error:
                self._revisions[key] = error
        resolved = self._revisions[key]
        if isinstance(resolved, SourceError):
            raise resolved
        return resolved

    def tracked(self, app_name: str) -> list[tuple]:
        """(type, live object) of every top-level object the Application tracks (indexed once per pass; the
        stored objects are read in place, not copied)."""
        if self._tracked is None:
            self._tracked, seen = {}, set()
            for rtype in self.ctx.objects.resource_types():
                stored = self.ctx.objects.storage_key(rtype)
                if rtype.kind in UNTRACKED_KINDS or "list" not in rtype.verbs or stored in seen:
                    continue  # a kind served in two versions is stored once
                seen.add(stored)
                for obj in self.ctx.objects.list(rtype, shared=True)["items"]:
                    meta = obj["metadata"]
                    if meta.get("ownerReferences") or meta.get("deletionTimestamp"):
                        continue
                    owner = self._owner(obj)
                    if owner:
                        self._tracked.setdefault(owner, []).append((rtype, obj))
        return self._tracked.get(app_name, [])

    def invalidate(self) -> None:
        """After a sync: the tracked objects are indexed again when next asked for."""
        self._tracked = None

    def _owner(self, obj: dict) -> str | None:
        meta = obj["metadata"]
        if "annotation" in self.tracking:
            tracking_id = (meta.get("annotations") or {}).get(TRACKING_ANNOTATION, "")
            app, _, identity = tracking_id.partition(":")
            if app and identity == _identity(obj):
                return app
        if "label" in self.tracking:
            return (meta.get("labels") or {}).get(self.label_key)
        return None

    def mark(self, obj: dict, app_name: str) -> dict:
        meta = obj.setdefault("metadata", {})
        if "annotation" in self.tracking:
            meta.setdefault("annotations", {})[TRACKING_ANNOTATION] = f"{app_name}:{_identity(obj)}"
        if "label" in self.tracking:
            meta.setdefault("labels", {})[self.label_key] = app_name
        return obj


def _identity(obj: dict) -> str:
    group = obj.get("apiVersion", "").rpartition("/")[0]
    meta = obj["metadata"]
    return f"{group}/{obj['kind']}:{meta.get('namespace', '')}/{meta['name']}"


class Reconciler:
    """One pass over one Application."""

    def __init__(self, world: World, app_type, app: dict, interval: float):
        self.world, self.ctx, self.app_type, self.app, self.interval = world, world.ctx, app_type, app, interval
        self.name = app["metadata"]["name"]
        self.spec = app.get("spec") or {}
        self.state = self.ctx.remembered(NAME).setdefault(app["metadata"]["uid"], {})

    def run(self) -> None:
        if self.app["metadata"].get("deletionTimestamp"):
            self._finalize()
            return
        problem = self._invalid_spec()
        refreshed = self._refresh_if_due(problem)
        if problem or self.state.get("error"):
            self._write_status(problem or self.state["error"], "InvalidSpecError" if problem else "ComparisonError",
                               refreshed)
            return
        desired = self._desired()
        compared = self._compare(desired)
        out_of_sync = any(r["status"] != "Synced" for r in compared)
        operation = self.app.get("operation")
        automated = (self.spec.get("syncPolicy") or {}).get("automated")
        revision = self.state["revision"]
        if operation and operation.get("sync") is not None:
            self._sync(desired, compared, bool(operation["sync"].get("prune")), operation)
        elif automated is not None and automated.get("enabled", True) and out_of_sync and (
                self.state.get("synced") != revision or automated.get("selfHeal") and self._may_self_heal()):
            self._sync(desired, compared, bool(automated.get("prune")), None)
        else:
            self._write_status(None, None, refreshed, desired, compared)
            return
        self.world.invalidate()
        self._write_status(None, None, refreshed, desired, self._compare(desired))

    def _may_self_heal(self) -> bool:
        """At most one self-heal per SELF_HEAL_TIMEOUT (the controller's --self-heal-timeout-seconds), so a
        difference a sync cannot remove does not make it apply in a loop."""
        now = time.monotonic()
        if now - self.state.get("healed_at", 0) < SELF_HEAL_TIMEOUT:
            self.ctx.wake_in(SELF_HEAL_TIMEOUT)
            return False
        self.state["healed_at"] = now
        return True

    # --- refresh ------------------------------------------------------------------------------------

    def _refresh_if_due(self, problem: str | None) -> bool:
        now = time.monotonic()
        annotations = self.app["metadata"].get("annotations") or {}
        timeout = self.world.reconciliation_timeout
        forced = (REFRESH_ANNOTATION in annotations or "desired" not in self.state and "error" not in self.state
                  or self.state.get("generation") != self.app["metadata"].get("generation")
                  or self.app.get("operation") or timeout and now - self.state.get("reconciled", 0) >= timeout)
        polled = now - self.state.get("at", 0) >= self.interval
        if not (forced or polled) or problem:
            return False
        self.state["at"] = now
        source = self.spec.get("source") or {}
        try:
            creds = credentials(self.world.secrets, source.get("repoURL", ""))
            revision = self.world.resolve(source, creds)
            if not forced and revision == self.state.get("revision") and "error" not in self.state:
                return False  # no new commit: the webhook would not have fired, nothing to reconcile
            self._reconciled(now)
            kind, manifests = REPO_SERVER.manifests(source, revision, creds, self.name, self._namespace())
        except SourceError as error:
            self._reconciled(now)
            self.state["error"] = f"Failed to load target state: failed to generate manifest for source 1 of 1: " \
                                  f"rpc error: code = Unknown desc = {error}"
            self.state.pop("desired", None)
        else:
            self.state.update(revision=revision, source_type=kind, desired=manifests)
            self.state.pop("error", None)
        if REFRESH_ANNOTATION in annotations:
            del annotations[REFRESH_ANNOTATION]
            updated = self.ctx.update(self.app_type, self.app)
            if updated:
                self.app = updated
        return True

    def _reconciled(self, now: float) -> None:
        self.state.update(generation=self.app["metadata"].get("generation"), reconciled=now, reconciled_at=timestamp())

    def _namespace(self) -> str:
        return (self.spec.get("destination") or {}).get("namespace") or "default"

    def _invalid_spec(self) -> str | None:
        destination, source = self.spec.get("destination") or {}, self.spec.get("source") or {}
        if not source.get("repoURL"):
            return "spec.source.repoURL is required (spec.sources is not served by the sandbox)"
        if destination.get("server", IN_CLUSTER_SERVER) != IN_CLUSTER_SERVER or \
                destination.get("name", IN_CLUSTER_NAME) != IN_CLUSTER_NAME:
            return f"application destination server '{destination.get('server') or destination.get('name')}' " \
                   "and namespace do not match any of the allowed destinations (only the in-cluster destination " \
                   "is known)"
        project = self._project()
        if project is None:
            return f"Application referencing project {self.spec.get('project')} which does not exist"
        pspec = project.get("spec") or {}
        if project is not ALLOW_ALL and not any(_glob(p, source["repoURL"]) for p in pspec.get("sourceRepos") or []):
            return f"application repo {source['repoURL']} is not permitted in project '{self.spec.get('project')}'"
        if project is not ALLOW_ALL and not any(
                _glob(d.get("server") or d.get("name") or "", destination.get("server") or destination.get("name")
                      or IN_CLUSTER_SERVER) and _glob(d.get("namespace") or "", self._namespace())
                for d in pspec.get("destinations") or []):
            return f"application destination server '{destination.get('server') or destination.get('name')}' and " \
                   f"namespace '{self._namespace()}' do not match any of the allowed destinations in project " \
                   f"'{self.spec.get('project')}'"
        return None

    def _project(self):
        name = self.spec.get("project") or "default"
        rtype = self.world.types.get(("argoproj.io/v1alpha1", "AppProject"))
        found = self.ctx.find(rtype, self.world.namespace, name) if rtype else None
        if found is None and name == "default":  # the API server creates it at start-up
            return ALLOW_ALL
        return found

    # --- compare ------------------------------------------------------------------------------------

    def _desired(self) -> list[tuple]:
        """(type or None, object) of every rendered object, namespaced where it belongs and marked as tracked."""
        result = []
        for manifest in json.loads(json.dumps(self.state["desired"])):
            rtype = self.world.types.get((manifest.get("apiVersion"), manifest.get("kind")))
            meta = manifest.setdefault("metadata", {})
            if rtype is not None and not rtype.namespaced:
                meta.pop("namespace", None)
            elif not meta.get("namespace"):
                meta["namespace"] = self._namespace()
            result.append((rtype, self.world.mark(_normalized(manifest), self.name)))
        return sorted(result, key=lambda item: _sync_order(item[1]))

    def _compare(self, desired: list[tuple]) -> list[dict]:
        resources, wanted = [], set()
        for rtype, obj in desired:
            meta = obj["metadata"]
            wanted.add(_identity(obj))
            current = self.ctx.find(rtype, meta.get("namespace", ""), meta["name"]) if rtype else None
            in_sync = current is not None and not current["metadata"].get("deletionTimestamp") and \
                _contains(current, {k: v for k, v in obj.items() if k != "status"})
            resources.append(self._resource(obj, current, "Synced" if in_sync else "OutOfSync"))
        for rtype, obj in self.world.tracked(self.name):
            if _identity(obj) not in wanted:
                resources.append(dict(self._resource(obj, obj, "OutOfSync"), requiresPruning=True))
        return resources

    def _resource(self, obj: dict, current: dict | None, status: str) -> dict:
        group, _, version = obj.get("apiVersion", "").rpartition("/")
        entry = {"group": group, "version": version, "kind": obj["kind"], "name": obj["metadata"]["name"],
                 "status": status}
        if obj["metadata"].get("namespace"):
            entry["namespace"] = obj["metadata"]["namespace"]
        wave = int((obj["metadata"].get("annotations") or {}).get(SYNC_WAVE, 0) or 0)
        if wave:
            entry["syncWave"] = wave
        found = {"status": health_checks.MISSING} if current is None else \
            health_checks.health(current, self.world.settings)
        if found is not None:
            entry["_health"] = found
        return entry

    # --- sync ---------------------------------------------------------------------------------------

    def _sync(self, desired: list[tuple], compared: list[dict], prune: bool, operation: dict | None) -> None:
        started, results, failed = timestamp(), [], []
        options = (self.spec.get("syncPolicy") or {}).get("syncOptions") or []
        if "CreateNamespace=true" in options:
            self._ensure_namespace(results)
        for rtype, obj in desired:
            meta = obj["metadata"]
            result = {"group": obj["apiVersion"].rpartition("/")[0], "version": obj["apiVersion"].rpartition("/")[2],
                      "kind": obj["kind"], "name": meta["name"], "namespace": meta.get("namespace", ""),
                      "status": "Synced", "message": f"{obj['kind'].lower()}/{meta['name']} serverside-applied",
                      "hookPhase": "Running", "syncPhase": "Sync"}
            rtype = rtype or self._fresh_type(obj)
            problem = self._not_permitted(rtype, obj) if rtype else \
                f"the server could not find the requested resource ({obj['apiVersion']} {obj['kind']})"
            if problem is None:
                try:
                    body = {k: v for k, v in obj.items() if k != "status"}
                    self.ctx.objects.patch(rtype, meta.get("namespace", ""), meta["name"], APPLY_PATCH, body, MANAGER)
                except ApiError as error:
                    problem = error.message
            if problem:
                result.update(status="SyncFailed", message=problem, hookPhase="Failed")
                failed.append(f"{obj['kind']}/{meta['name']}: {problem}")
            results.append(result)
        for entry in compared:
            if not entry.get("requiresPruning"):
                continue
            rtype = self.world.types.get((_api_version(entry), entry["kind"]))
            current = self.ctx.find(rtype, entry.get("namespace", ""), entry["name"]) if rtype else None
            if current is None:
                continue
            skip = "Prune=false" in ((current["metadata"].get("annotations") or {}).get(SYNC_OPTIONS) or "")
            result = {k: entry.get(k, "") for k in ("group", "version", "kind", "namespace", "name")}
            if prune and not skip:
                self.ctx.delete(rtype, current)
                results.append(dict(result, status="Pruned", message="pruned", syncPhase="Sync", hookPhase="Succeeded"))
            else:
                results.append(dict(result, status="PruneSkipped", message="ignored (requires pruning)",
                                    syncPhase="Sync"))
        revision = self.state["revision"]
        self.state["synced"] = revision
        initiated = (operation or {}).get("initiatedBy") or {"automated": True}
        sync_request = {"revision": revision, **({"prune": True} if prune else {})}
        phase = "Failed" if failed else "Succeeded"
        self.state["operation_state"] = {
            "operation": {"sync": sync_request, "initiatedBy": initiated, "retry": {}},
            "phase": phase,
            "message": "one or more objects failed to apply, reason: " + "; ".join(failed) if failed
            else "successfully synced (all tasks run)",
            "startedAt": started, "finishedAt": timestamp(),
            "syncResult": {"resources": [dict(r, hookPhase="Succeeded") if r["status"] == "Synced" else r
                                         for r in results],
                           "revision": revision, "source": self.spec.get("source") or {}},
        }
        if not failed:
            history = list((self.app.get("status") or {}).get("history") or [])
            history.append({"id": (history[-1]["id"] + 1) if history else 0, "revision": revision,
                            "deployStartedAt": started, "deployedAt": timestamp(),
                            "source": self.spec.get("source") or {}, "initiatedBy": initiated})
            self.state["history"] = history[-int(self.spec.get("revisionHistoryLimit") or HISTORY_LIMIT):]
        if operation is not None:
            self.app.pop("operation", None)
            updated = self.ctx.update(self.app_type, self.app)
            if updated:
                self.app = updated

    def _ensure_namespace(self, results: list) -> None:
        namespaces = self.world.types[("v1", "Namespace")]
        if self.ctx.find(namespaces, "", self._namespace()) is None:
            metadata = (self.spec.get("syncPolicy") or {}).get("managedNamespaceMetadata") or {}
            self.ctx.create(namespaces, "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {
                "name": self._namespace(), **{k: metadata[k] for k in ("labels", "annotations") if k in metadata}}})
            results.append({"group": "", "version": "v1", "kind": "Namespace", "name": self._namespace(),
                            "namespace": "", "status": "Synced", "message": "namespace created",
                            "hookPhase": "Succeeded", "syncPhase": "PreSync"})

    def _fresh_type(self, obj: dict):
        """The type of an object whose CRD this sync may just have created."""
        self.world.types = {(t.api_version, t.kind): t for t in self.ctx.objects.resource_types()}
        return self.world.types.get((obj.get("apiVersion"), obj.get("kind")))

    def _not_permitted(self, rtype, obj: dict) -> str | None:
        project = self._project()
        if project is ALLOW_ALL or project is None:
            return None
        pspec, group = project.get("spec") or {}, rtype.group
        if not rtype.namespaced:
            allowed = pspec.get("clusterResourceWhitelist") or []
            denied = pspec.get("clusterResourceBlacklist") or []
        else:
            allowed = pspec.get("namespaceResourceWhitelist") or [{"group": "*", "kind": "*"}]
            denied = pspec.get("namespaceResourceBlacklist") or []
        permitted = any(_glob(r.get("group", ""), group) and _glob(r.get("kind", ""), rtype.kind) for r in allowed) \
            and not any(_glob(r.get("group", ""), group) and _glob(r.get("kind", ""), rtype.kind) for r in denied)
        return None if permitted else \
            f"resource {group}:{rtype.kind} is not permitted in project {self.spec.get('project')}"

    # --- status -------------------------------------------------------------------------------------

    def _write_status(self, problem, problem_type, refreshed, desired=None, compared=None) -> None:
        previous = self.app.get("status") or {}
        source = self.spec.get("source") or {}
        status = {k: v for k, v in previous.items() if k in ("operationState", "history")}
        if self.state.get("operation_state"):
            status["operationState"] = self.state["operation_state"]
        if self.state.get("history"):
            status["history"] = self.state["history"]
        destination = {k: v for k, v in (self.spec.get("destination") or {}).items() if k in ("server", "namespace",
                                                                                                 "name")}
        status["sync"] = {"status": "Unknown", "comparedTo": {"source": source, "destination": destination}}
        status["reconciledAt"] = self.state.get("reconciled_at") or previous.get("reconciledAt") or timestamp()
        status["controllerNamespace"] = self.world.namespace
        if problem:
            status["conditions"] = [{"type": problem_type, "message": problem,
                                     "lastTransitionTime": _since(previous.get("conditions"), problem_type)}]
            status["health"] = _health_status(previous, health_checks.UNKNOWN)
        else:
            unhealthy = [r["_health"]["status"] for r in compared if "_health" in r and not r.get("requiresPruning")]
            status["sync"].update(status="OutOfSync" if any(r["status"] != "Synced" for r in compared) else "Synced",
                                  revision=self.state["revision"])
            status["health"] = _health_status(previous, health_checks.worst(unhealthy))
            status["resources"] = [self._persisted(r) for r in compared]
            status["sourceType"] = self.state["source_type"]
            images = self._images(desired)
            status["summary"] = {"images": images} if images else {}
        if not self.world.persist_health:
            status["resourceHealthSource"] = "appTree"
        self.ctx.set_status(self.app_type, self.app, status)

    def _persisted(self, entry: dict) -> dict:
        found = entry.pop("_health", None)
        if found is not None and self.world.persist_health:
            entry["health"] = found
        return entry

    def _images(self, desired: list[tuple]) -> list[str]:
        images = set()
        for rtype, obj in desired:
            current = self.ctx.find(rtype, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]) \
                if rtype else None
            pod_spec = _pod_spec(current or {})
            for container in (pod_spec.get("containers") or []) + (pod_spec.get("initContainers") or []):
                if container.get("image"):
                    images.add(container["image"])
        return sorted(images)

    # --- deletion -----------------------------------------------------------------------------------

    def _finalize(self) -> None:
        finalizers = self.app["metadata"].get("finalizers") or []
        cascading = [f for f in finalizers if f.startswith(RESOURCES_FINALIZER)]
        if not cascading:
            return
        remaining = self.world.tracked(self.name)
        for rtype, obj in remaining:
            self.ctx.delete(rtype, obj)
        if not remaining:
            self.app["metadata"]["finalizers"] = [f for f in finalizers if f not in cascading]
            self.ctx.update(self.app_type, self.app)
            self.ctx.remembered(NAME).pop(self.app["metadata"]["uid"], None)


ALLOW_ALL = {"spec": {"sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": "*"}]}}


def _glob(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value or "", pattern or "")


def _api_version(entry: dict) -> str:
    return f"{entry['group']}/{entry['version']}" if entry.get("group") else entry["version"]


def _since(previous_conditions, condition_type: str) -> str:
    old = next((c for c in previous_conditions or [] if c.get("type") == condition_type), None)
    return old["lastTransitionTime"] if old and old.get("lastTransitionTime") else timestamp()


def _health_status(previous: dict, status: str) -> dict:
    old = previous.get("health") or {}
    return {"status": status, "lastTransitionTime": old.get("lastTransitionTime") if old.get("status") == status
            and old.get("lastTransitionTime") else timestamp()}


def _sync_order(obj: dict):
    wave = int((obj["metadata"].get("annotations") or {}).get(SYNC_WAVE, 0) or 0)
    kind = obj.get("kind", "")
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return wave, rank, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _normalized(manifest: dict) -> dict:
    """A manifest as the API server stores it, for the comparison: a Secret's stringData folded into data."""
    if manifest.get("kind") == "Secret" and manifest.get("apiVersion") == "v1" and manifest.get("stringData"):
        data = manifest.setdefault("data", {})
        for key, value in manifest.pop("stringData").items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    return manifest


def _contains(live_value, wanted) -> bool:
    """Whether every field the manifest sets has that value in the live object (fields the API server defaulted
    are not differences). Numbers and strings are compared as the API server stores them."""
    if isinstance(wanted, dict):
        return isinstance(live_value, dict) and all(_contains(live_value.get(k), v) for k, v in wanted.items()
                                                    if v is not None)
    if isinstance(wanted, list):
        return isinstance(live_value, list) and len(live_value) == len(wanted) and \
            all(_contains(a, b) for a, b in zip(live_value, wanted))
    return live_value == wanted or (live_value is not None and str(live_value) == str(wanted))


def _pod_spec(obj: dict) -> dict:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        return spec
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec") or {})
    return ((spec.get("template") or {}).get("spec") or {})
