"""The built-in simulated operators: one module per chart whose custom resources the emulator gives a
status, each exposing `STAGES` (see ../stages.py); list its stages in STAGES below.

- eck: Elastic's ECK operator (chart elastic/eck-operator): Elasticsearch and Kibana.

An operator that must do more than set a status is a controller module of its own, listed in
controllers/__init__.py's CONTROLLERS: argocd.py (Argo CD's application controller, with argocd_repository.py as its
repo-server and argocd_health.py as its health checks).
"""

from __future__ import annotations

from . import eck

STAGES: tuple = (*eck.STAGES,)
