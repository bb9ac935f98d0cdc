# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for asynchronous AWS operations: polling with a growing delay, and failing the module with
the reason when the resource turns to a failed status, disappears, or the wait times out."""

import time


class WaitError(Exception):
    """An asynchronous operation failed or did not finish in time."""


def poll(fetch, is_done, timeout, describe="operation", is_failed=None, sleep=time.sleep, clock=time.monotonic):
    """Call fetch() until is_done(value); raise WaitError on is_failed(value) or timeout.

    The delay starts small and grows to 15 s: EKS add-on and access changes settle in seconds while
    cluster creation takes minutes, and botocore's fixed 30 s waiter delay would make every short
    operation wait 30 s.
    """
    deadline = clock() + timeout
    delay = 1.0
    while True:
        value = fetch()
        if is_done(value):
            return value
        if is_failed is not None:
            reason = is_failed(value)
            if reason:
                raise WaitError(f"{describe} failed: {reason}")
        if clock() + delay > deadline:
            raise WaitError(f"Timed out after {timeout}s waiting for {describe}.")
        sleep(delay)
        delay = min(delay * 1.5, 15.0)


def wait_or_fail(module, fetch, is_done, describe, is_failed=None, timeout=None):
    """:func:`poll` for ``wait_timeout`` seconds (or ``timeout``); a WaitError fails the module."""
    try:
        return poll(fetch, is_done, timeout if timeout is not None else module.params["wait_timeout"], describe=describe, is_failed=is_failed)
    except WaitError as e:
        module.fail_json(msg=str(e))


def status_failure(failed_statuses):
    """is_failed for :func:`poll`: the reason a resource is gone or in one of ``failed_statuses``, else None."""

    def check(resource):
        if resource is None:
            return "it no longer exists"
        if resource.get("status") in failed_statuses:
            issues = (resource.get("health") or {}).get("issues") or []
            detail = "; ".join(f"{i.get('code')}: {i.get('message')}" for i in issues)
            return f"status {resource.get('status')}" + (f" ({detail})" if detail else "")
        return None

    return check


def wait_for_status(module, fetch, wanted, failed_statuses, describe):
    return wait_or_fail(module, fetch, lambda r: r is not None and r.get("status") in wanted, describe, is_failed=status_failure(failed_statuses))


def wait_for_absence(module, fetch, describe):
    return wait_or_fail(module, fetch, lambda r: r is None, describe, is_failed=status_failure(("DELETE_FAILED",)))
