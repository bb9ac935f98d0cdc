"""Idempotency by client token, as EC2 (ClientToken) and EKS (clientRequestToken) offer it and moto ignores it.

A request repeating a token with the same parameters gets the first answer again instead of a second
resource; with other parameters it gets the service's mismatch error. Only successful answers are kept, so a
refused request may be retried with its token. botocore fills these tokens in itself (idempotencyToken members)
and keeps them across its retries, which is what makes a retried create safe on AWS.

Not an extension itself (not listed in EXTENSION_MODULES): the EC2 and EKS extensions each keep one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from werkzeug.wrappers import Response

from sandbox.aws.extensions import Call


class ClientTokens:
    def __init__(self, member: str, mismatch: Callable[[], Response]) -> None:
        self.member = member  # the token's parameter name in Call.params
        self.mismatch = mismatch  # the service's answer to a token reused with other parameters
        self._lock = threading.Lock()
        self._answers: dict[tuple, tuple[dict, int, list, bytes]] = {}

    def carries_token(self, call: Call) -> bool:
        return call.kind == "mutating" and bool(call.params.get(self.member))

    def _key(self, call: Call) -> tuple:
        return call.account_id, call.region, call.action, call.params[self.member]

    def replay(self, call: Call) -> Response | None:
        """The answer to an earlier request with this call's token, or None if there was none."""
        with self._lock:
            stored = self._answers.get(self._key(call))
        if stored is None:
            return None
        params, status, headers, body = stored
        if params != call.params:
            return self.mismatch()
        return Response(body, status, headers)

    def remember(self, call: Call, response: Response) -> None:
        if response.status_code == 200:
            with self._lock:
                self._answers[self._key(call)] = (dict(call.params), response.status_code,
                                                  list(response.headers), response.get_data())

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
