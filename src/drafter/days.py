"""Weekdays, named once: the playbook's working days, the planner's facts and
its explanations all read them from here."""

from __future__ import annotations

import datetime as dt
from typing import Literal

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Spelled out in English whatever the locale (strftime's %A follows the locale).
WEEKDAY_NAMES: dict[Weekday, str] = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)


def weekday_of(day: dt.date) -> Weekday:
    return WEEKDAYS[day.weekday()]
