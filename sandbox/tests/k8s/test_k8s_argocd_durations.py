"""argocd-cm `timeout.reconciliation` as the simulated Argo CD reads it: a Go duration, 0 (or empty) turning the
periodic refresh off, Argo CD's default (120s, also used when the key is unset) for a malformed value."""

from __future__ import annotations

import pytest

from sandbox.k8s.controllers.operators.argocd import DEFAULT_RECONCILIATION, duration_seconds


@pytest.mark.parametrize(("text", "seconds"), [
    ("180s", 180.0), ("3m", 180.0), ("1h30m", 5400.0), ("90s", 90.0), ("1.5m", 90.0), ("500ms", 0.5),
    ("0", 0.0), ("", 0.0), ("0s", 0.0),
])
def test_go_durations(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["three minutes", "180", "3x", "s"])
def test_a_malformed_value_falls_back_to_argo_cds_default(text):
    assert duration_seconds(text) == duration_seconds(DEFAULT_RECONCILIATION) == 120.0
