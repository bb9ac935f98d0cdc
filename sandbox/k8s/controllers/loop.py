"""The thread that runs the registered controllers over every cluster in use, a short delay after each
change (and when a controller's own delay runs out)."""

from __future__ import annotations

import logging
import threading
import time

from ..clusters import DirectoryUnavailable
from ..objects import ClusterObjects
from .bootstrap import bootstrap
from .context import Context

log = logging.getLogger(__name__)

DEFAULT_DELAY = 0.1  # seconds between a change and the controllers' reaction
# seconds: a pass runs at least this often, so nodegroup changes in EKS are followed (controllers that wait for a
# time ask for their own pass with wake_in). Each pass over a built platform costs ~70 ms of CPU: at 1 s an idle
# platform kept a tenth of a core busy.
IDLE_PASS = 3.0


class ControllerLoop:
    """One background thread reconciling every cluster that has been used, `delay` after changes."""

    def __init__(self, store, directory, controllers: dict, delay: float = DEFAULT_DELAY, stages: tuple = ()):
        self.store = store
        self.directory = directory
        self.controllers = controllers  # name -> reconcile(ctx), run in this order
        self.delay = delay
        self.stages = stages
        self.clusters: dict[str, Context] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="k8s-controllers", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self.store.changed:
            self.store.changed.notify_all()
        self._thread.join(timeout=5)

    def ensure(self, info) -> None:
        """Bootstrap a cluster before its first request is served, and keep its cluster info fresh."""
        with self._lock:
            ctx = self.clusters.get(info.key)
            if ctx is not None:
                ctx.info = info
                return
            ctx = Context(ClusterObjects(self.store, info.key), info, self.stages, self.directory.client)
            bootstrap(ctx)
            self.reconcile(ctx)
            self.clusters[info.key] = ctx

    def forget_all(self) -> None:
        with self._lock:
            self.clusters.clear()

    def reconcile(self, ctx: Context) -> None:
        """One pass of every controller over one cluster."""
        ctx.wake_at = None
        for name, reconcile in self.controllers.items():
            try:
                reconcile(ctx)
            except Exception:  # a bug in one simulation must not stop the others
                log.exception("controller %s failed for %s", name, ctx.info.key)

    def _run(self) -> None:
        seen = self.store.revision
        while not self._stop.is_set():
            timeout = self._idle_wait()  # not under the store's lock: ensure() takes ours, then the store's
            with self.store.changed:
                if self.store.revision == seen:
                    self.store.changed.wait(timeout)
            if self._stop.wait(self.delay):
                return
            seen = self.store.revision
            with self._lock:
                contexts = list(self.clusters.values())
            for ctx in contexts:
                if self._refresh(ctx):
                    self.reconcile(ctx)

    def _idle_wait(self) -> float:
        """Seconds to wait for a change: IDLE_PASS, or less when a controller asked to run sooner."""
        with self._lock:
            due = [ctx.wake_at for ctx in self.clusters.values() if ctx.wake_at is not None]
        return max(0.0, min([IDLE_PASS, *(at - time.monotonic() for at in due)]))

    def _refresh(self, ctx: Context) -> bool:
        """Follow nodegroup changes; a cluster gone from EKS takes its objects with it (False)."""
        try:
            info = self.directory.cluster(ctx.info.region, ctx.info.name)
        except DirectoryUnavailable:  # keep simulating with what we knew; the AWS process may be restarting
            return True
        except Exception:  # a bug here must not stop the loop
            log.exception("looking up %s failed", ctx.info.key)
            return True
        if info is None:
            with self._lock:
                self.clusters.pop(ctx.info.key, None)
            self.store.remove_cluster(ctx.info.key)
            return False
        ctx.info = info
        return True
