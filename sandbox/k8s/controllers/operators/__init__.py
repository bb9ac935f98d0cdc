"""The built-in simulated operators: one module per chart whose custom resources the emulator gives a
status, each exposing `STAGES` (see ../stages.py); list its stages in STAGES below.

- eck: Elastic's ECK operator (chart elastic/eck-operator): Elasticsearch and Kibana.
"""

from __future__ import annotations

from . import eck

STAGES: tuple = (*eck.STAGES,)
