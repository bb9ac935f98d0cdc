"""When a CronJob's schedule fires: the 5-field syntax (ranges, steps, names, lists), the @descriptors and
@every <duration>, in spec.timeZone (UTC by default, as kube-controller-manager runs). Schedules reaching here
have passed validation.cron_problem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .validation import CRON_FIELDS

_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_LOOKBACK_DAYS = 366 * 5  # a schedule that has not fired for this long (Feb 29 on a Monday) counts as never


@dataclass(frozen=True)
class Schedule:
    fields: tuple[frozenset, ...] = ()  # minutes, hours, days of month, months, days of week
    either_day: bool = False  # both day fields restricted: a day matching either fires (cron's rule)
    every: float = 0.0  # seconds, for @every

    def latest(self, after: datetime, now: datetime, zone: str | None = None) -> datetime | None:
        """The last time in (after, now] the schedule fires, or None."""
        if self.every:
            steps = int((now - after).total_seconds() // self.every)
            return after + timedelta(seconds=steps * self.every) if steps > 0 else None
        tz = ZoneInfo(zone) if zone else timezone.utc
        minutes, hours, days, months, weekdays = self.fields
        local_now = now.astimezone(tz)
        for back in range(_LOOKBACK_DAYS):
            day = (local_now - timedelta(days=back)).date()
            if day < after.astimezone(tz).date():
                return None
            in_month, in_week = day.day in days, (day.isoweekday() % 7) in weekdays
            if day.month not in months or not ((in_month or in_week) if self.either_day else (in_month and in_week)):
                continue
            for hour in sorted(hours, reverse=True):
                for minute in sorted(minutes, reverse=True):
                    fire = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                    if fire <= after:
                        return None
                    if fire <= now:
                        return fire.astimezone(timezone.utc)
        return None


def parse(text: str) -> Schedule:
    text = _DESCRIPTORS.get(text.strip(), text.strip())
    if text.startswith("@every "):
        return Schedule(every=max(1.0, round(sum(float(n) * _UNIT_SECONDS[u]
                                                 for n, u in _DURATION_PART.findall(text[len("@every "):])))))
    fields, starred = [], []
    for value, (_, low, high, names) in zip(text.split(), CRON_FIELDS):
        values, star = _field(value, low, high, names)
        fields.append(frozenset(values))
        starred.append(star)
    return Schedule(tuple(fields), either_day=not (starred[2] or starred[4]))


def _field(value: str, low: int, high: int, names: dict) -> tuple[set[int], bool]:
    """The values a field allows, and whether it is a bare `*` (which makes the day fields combine with AND)."""
    found, star = set(), False
    for part in value.split(","):
        span, slash, step_text = part.partition("/")
        step = int(step_text) if slash else 1
        if span in ("*", "?"):
            start, end = low, high
            star = star or step == 1
        else:
            bounds = [names.get(b.lower(), None) if b.lower() in names else int(b) for b in span.split("-")]
            start, end = bounds[0], bounds[-1] if len(bounds) > 1 or not slash else high
        found.update(range(start, end + 1, step))
    return found, star
