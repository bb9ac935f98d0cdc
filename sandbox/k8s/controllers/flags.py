"""Command-line flags of a simulated controller's real workload, read from its Deployment's container as the
binary's Go flag package would parse them (`--name=value`, `--name value`, `-name`, booleans without a value),
and Go durations ("10s", "1m30s", "500ms")."""

from __future__ import annotations

import re

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def container_flags(container: dict) -> list[tuple[str, str | None]]:
    """(name, value or None) for every flag in the container's command and args, in order."""
    words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
    found: list[tuple[str, str | None]] = []
    for position, word in enumerate(words):
        if not word.startswith("-") or word in ("-", "--"):
            continue
        name, equals, value = word.lstrip("-").partition("=")
        if equals:
            found.append((name, value))
        elif position + 1 < len(words) and not words[position + 1].startswith("-"):
            found.append((name, words[position + 1]))
        else:
            found.append((name, None))
    return found


def duration(text: str) -> float:
    """Seconds in a Go duration; ValueError when it is not one."""
    text = text.strip()
    if text in ("0", ""):
        return 0.0
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.lstrip("+"):
        raise ValueError(f"invalid duration {text!r}")
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)


def boolean(value: str | None) -> bool:
    """A Go boolean flag: present without a value means true."""
    return value is None or value.strip().lower() in ("1", "t", "true")
