"""The emulator's clock: real time plus an offset that tests move with POST /_sandbox/clock.

Token lifetimes (15 minutes) are checked by using a token at the moment the test names, without waiting and
without patching the emulator's code.
"""

from __future__ import annotations

import json
import threading
import time

from .errors import ApiError, bad_request

_offset = 0.0
_lock = threading.Lock()


def now() -> float:
    """Seconds since the epoch, as the emulator sees them."""
    return time.time() + _offset


def control(method: str, body: bytes) -> dict:
    """GET: the clock's offset. POST {"offsetSeconds": n}: time runs n seconds ahead of the wall clock
    (0 sets it back)."""
    global _offset
    if method == "POST":
        try:
            offset = json.loads(body or b"{}")["offsetSeconds"]
        except (ValueError, KeyError, TypeError):
            raise bad_request('the body must be {"offsetSeconds": <number>}') from None
        if isinstance(offset, bool) or not isinstance(offset, (int, float)):
            raise bad_request("offsetSeconds must be a number")
        with _lock:
            _offset = float(offset)
    elif method != "GET":
        raise ApiError(405, "use GET or POST")
    return {"offsetSeconds": _offset, "now": now()}
