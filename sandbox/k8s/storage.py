"""Objects of every cluster, kept in memory and written through to SQLite, plus the event log watches read.

One global resourceVersion counter orders every write across clusters, like etcd's revision. Each write
encodes its object to JSON once: copies handed out are decoded from that text, SQLite stores it, and a LIST
answers with it as it is (the encoding belongs to that resourceVersion, since every write makes a new one).
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


# One string object per distinct key across the stored objects: they mostly repeat the same field names, and
# a key string of their own per object would cost more memory than the objects' encodings do.
_KEYS: dict[str, str] = {}
_KEYS_MAX = 100_000  # past this many (data keys can be anything) sharing starts over


def encode(obj) -> str:
    """JSON the way the API answers with it: compact, ASCII only."""
    return json.dumps(obj, separators=(",", ":"))


def clone(obj):
    """A deep copy of JSON data (faster than copy.deepcopy for plain dicts and lists)."""
    return json.loads(json.dumps(obj))


def _with_shared_keys(pairs: list[tuple[str, object]]) -> dict:
    if len(_KEYS) > _KEYS_MAX:
        _KEYS.clear()
    return {_KEYS.setdefault(key, key): value for key, value in pairs}


@dataclass(frozen=True, slots=True)
class Record:
    """A stored object and its encoding. Nothing changes `obj` once it is stored (the event log and read-only
    listings share it); a caller that will change an object takes copy()."""
    obj: dict
    encoded: str

    @classmethod
    def of(cls, obj: dict) -> Record:
        """A record of a snapshot of `obj` (later changes to `obj` do not reach it)."""
        encoded = encode(obj)
        return cls(json.loads(encoded, object_pairs_hook=_with_shared_keys), encoded)

    def copy(self) -> dict:
        """A deep copy of the object (decoding the text beats copy.deepcopy)."""
        return json.loads(self.encoded)


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
        # key -> namespace ("" for cluster-scoped kinds) -> name -> record: a namespace lists without a scan
        self._objects: dict[Key, dict[str, dict[str, Record]]] = collections.defaultdict(dict)
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
            self._objects[(cluster, grp, plural)].setdefault(namespace, {})[name] = Record.of(json.loads(body))

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def oldest_watchable(self) -> int:
        return self._oldest_watchable

    def get(self, key: Key, namespace: str, name: str) -> dict | None:
        with self._lock:
            record = self._objects.get(key, {}).get(namespace, {}).get(name)
            return record.copy() if record is not None else None

    def list(self, key: Key, namespace: str | None = None) -> tuple[list[dict], int]:
        """Copies of the objects, by namespace and name, and the revision they were read at."""
        records, revision = self.records(key, namespace)
        return [record.copy() for record in records], revision

    def records(self, key: Key, namespace: str | None = None) -> tuple[list[Record], int]:
        """The stored records themselves (for reading only), by namespace and name, and the revision."""
        with self._lock:
            spaces = self._objects.get(key, {})
            chosen = sorted(spaces) if namespace is None else [namespace] if namespace in spaces else []
            records = []
            for space in chosen:
                names = spaces[space]
                records += [names[name] for name in sorted(names)]
            return records, self._revision

    def keys(self) -> list[Key]:
        with self._lock:
            return [k for k, spaces in self._objects.items() if spaces]

    def put(self, key: Key, obj: dict, expect: str | None = None) -> dict:
        """Create or replace an object; stamps a fresh resourceVersion and records the event.

        `expect` makes the write a compare-and-swap: "" means the object must not exist yet, otherwise the
        stored resourceVersion must still be `expect` (StaleWrite if not). None writes unconditionally.
        """
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        with self._lock:
            spaces = self._objects[key]
            previous = spaces.get(namespace, {}).get(name)
            if expect is not None:
                stored_version = previous.obj["metadata"]["resourceVersion"] if previous is not None else ""
                if stored_version != expect:
                    raise StaleWrite(f"{name}: expected version {expect!r}, found {stored_version!r}")
            self._revision += 1
            meta["resourceVersion"] = str(self._revision)
            stored = spaces.setdefault(namespace, {})[name] = Record.of(obj)
            self._persist(key, namespace, name, stored.encoded)
            self._record(key, namespace, "MODIFIED" if previous is not None else "ADDED", stored.obj,
                         previous.obj if previous is not None else None)
            return stored.copy()

    def remove(self, key: Key, namespace: str, name: str) -> dict | None:
        with self._lock:
            spaces = self._objects.get(key, {})
            previous = spaces.get(namespace, {}).pop(name, None)
            if previous is None:
                return None
            if not spaces[namespace]:
                del spaces[namespace]
            self._revision += 1
            deleted = previous.copy()
            deleted["metadata"]["resourceVersion"] = str(self._revision)
            gone = Record.of(deleted)
            self._persist(key, namespace, name, None)
            self._record(key, namespace, "DELETED", gone.obj, previous.obj)
            return gone.copy()

    def remove_cluster(self, cluster: str) -> None:
        with self._lock:
            for key in [k for k in self._objects if k[0] == cluster]:
                for namespace, names in list(self._objects[key].items()):
                    for name in list(names):
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

    def _persist(self, key: Key, namespace: str, name: str, encoded: str | None) -> None:
        if self._db is None:
            return
        if encoded is None:
            self._db.execute("DELETE FROM objects WHERE cluster=? AND grp=? AND plural=? AND namespace=? AND name=?",
                             (*key, namespace, name))
        else:
            self._db.execute("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?, ?)",
                             (*key, namespace, name, encoded))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
