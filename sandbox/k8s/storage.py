"""Objects of every cluster, kept in memory and written through to SQLite, plus the event log watches read.

One global resourceVersion counter orders every write across clusters, like etcd's revision.
"""

from __future__ import annotations

import collections
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

# How many past events a watch can resume from before it gets "410 Expired".
EVENT_HISTORY = 20000

Key = tuple[str, str, str]  # (cluster, group, plural)


def clone(obj):
    """A deep copy of JSON data (faster than copy.deepcopy for plain dicts and lists)."""
    return json.loads(json.dumps(obj))


@dataclass(frozen=True)
class Event:
    resource_version: int
    cluster: str
    group: str
    plural: str
    namespace: str
    type: str  # ADDED, MODIFIED, DELETED
    object: dict
    previous: dict | None


class StaleWrite(Exception):
    """The object changed (or appeared, or vanished) since the writer read it."""


class Store:
    def __init__(self, db_path: Path | None):
        self._lock = threading.RLock()
        self.changed = threading.Condition(self._lock)
        self._objects: dict[Key, dict[tuple[str, str], dict]] = collections.defaultdict(dict)
        self._events: collections.deque[Event] = collections.deque(maxlen=EVENT_HISTORY)
        self._db = None
        self._revision = 0
        if db_path is not None:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(db_path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS objects (cluster TEXT, grp TEXT, plural TEXT, namespace TEXT,"
                " name TEXT, body TEXT, PRIMARY KEY (cluster, grp, plural, namespace, name))")
            self._db.execute("CREATE TABLE IF NOT EXISTS revision (id INTEGER PRIMARY KEY CHECK (id = 0), value INTEGER)")
            self._load()
        # Watches asking for anything older than this have missed events.
        self._oldest_watchable = self._revision

    def _load(self) -> None:
        row = self._db.execute("SELECT value FROM revision WHERE id = 0").fetchone()
        self._revision = row[0] if row else 0
        for cluster, grp, plural, namespace, name, body in self._db.execute("SELECT * FROM objects"):
            self._objects[(cluster, grp, plural)][(namespace, name)] = json.loads(body)

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def oldest_watchable(self) -> int:
        return self._oldest_watchable

    def get(self, key: Key, namespace: str, name: str) -> dict | None:
        with self._lock:
            obj = self._objects.get(key, {}).get((namespace, name))
            return clone(obj) if obj is not None else None

    def list(self, key: Key, namespace: str | None = None) -> tuple[list[dict], int]:
        with self._lock:
            items = [clone(o) for (ns, _), o in sorted(self._objects.get(key, {}).items())
                     if namespace is None or ns == namespace]
            return items, self._revision

    def keys(self) -> list[Key]:
        with self._lock:
            return [k for k, objs in self._objects.items() if objs]

    def put(self, key: Key, obj: dict, expect: str | None = None) -> dict:
        """Create or replace an object; stamps a fresh resourceVersion and records the event.

        `expect` makes the write a compare-and-swap: "" means the object must not exist yet, otherwise the
        stored resourceVersion must still be `expect` (StaleWrite if not). None writes unconditionally.
        """
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        with self._lock:
            previous = self._objects[key].get((namespace, name))
            if expect is not None:
                stored_version = previous["metadata"]["resourceVersion"] if previous is not None else ""
                if stored_version != expect:
                    raise StaleWrite(f"{name}: expected version {expect!r}, found {stored_version!r}")
            self._revision += 1
            meta["resourceVersion"] = str(self._revision)
            stored = clone(obj)
            self._objects[key][(namespace, name)] = stored
            self._persist(key, namespace, name, stored)
            self._record(key, namespace, "MODIFIED" if previous is not None else "ADDED", stored, previous)
            return clone(stored)

    def remove(self, key: Key, namespace: str, name: str) -> dict | None:
        with self._lock:
            previous = self._objects.get(key, {}).pop((namespace, name), None)
            if previous is None:
                return None
            self._revision += 1
            gone = clone(previous)
            gone["metadata"]["resourceVersion"] = str(self._revision)
            self._persist(key, namespace, name, None)
            self._record(key, namespace, "DELETED", gone, previous)
            return clone(gone)

    def remove_cluster(self, cluster: str) -> None:
        with self._lock:
            for key in [k for k in self._objects if k[0] == cluster]:
                for namespace, name in list(self._objects[key]):
                    self.remove(key, namespace, name)

    def reset(self) -> None:
        """Forget every object and event. The revision moves on (never back), and watches from before the
        reset get 410 Expired since their deletions were never sent."""
        with self._lock:
            self._objects.clear()
            self._events.clear()
            self._revision += 1
            self._oldest_watchable = self._revision
            if self._db is not None:
                self._db.execute("DELETE FROM objects")
                self._db.execute("INSERT OR REPLACE INTO revision (id, value) VALUES (0, ?)", (self._revision,))
            self.changed.notify_all()

    def events_after(self, revision: int) -> list[Event]:
        with self._lock:
            newer = []
            for event in reversed(self._events):  # newest first: only walks the events a watch has not seen
                if event.resource_version <= revision:
                    break
                newer.append(event)
            newer.reverse()
            return newer

    def _record(self, key: Key, namespace: str, type_: str, obj: dict, previous: dict | None) -> None:
        if len(self._events) == self._events.maxlen:
            self._oldest_watchable = self._events[0].resource_version
        self._events.append(Event(self._revision, key[0], key[1], key[2], namespace, type_, obj, previous))
        if self._db is not None:
            self._db.execute("INSERT OR REPLACE INTO revision (id, value) VALUES (0, ?)", (self._revision,))
        self.changed.notify_all()

    def _persist(self, key: Key, namespace: str, name: str, obj: dict | None) -> None:
        if self._db is None:
            return
        if obj is None:
            self._db.execute("DELETE FROM objects WHERE cluster=? AND grp=? AND plural=? AND namespace=? AND name=?",
                             (*key, namespace, name))
        else:
            self._db.execute("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?, ?)",
                             (*key, namespace, name, json.dumps(obj)))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
