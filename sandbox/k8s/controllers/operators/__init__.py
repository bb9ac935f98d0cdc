"""The built-in simulated operators: one module per chart whose custom resources the emulator gives a
status, each exposing `STAGES` (see ../stages.py); list its stages in STAGES below.

None yet: the platform installs no chart with an operator so far.
"""

from __future__ import annotations

STAGES: tuple = ()
