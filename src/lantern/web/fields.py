"""Days and times as people type them into Lantern's forms (GOV.UK text inputs, not
pickers): 27 11 2026, 27/11/2026 or 2026-11-27, with a time like 14:30 where one is asked
for, in London time. One place, for every app's forms.

A field left empty cleans to None: the service it feeds says whether a value was needed,
in its own words, beside the field."""

from __future__ import annotations

import datetime as dt

from django import forms

from lantern.timescales.rules import LONDON


def parse_day(raw: str, label: str) -> dt.date | None:
    """A day typed as 27 11 2026, 27/11/2026 or 2026-11-27; None for nothing typed."""
    raw = (raw or "").strip()
    if not raw:
        return None
    parts = raw.replace("/", " ").replace("-", " ").replace(".", " ").split()
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise forms.ValidationError(f"{label} must be a day, month and year, like 27 11 2026")
    if len(parts[0]) == 4:
        parts = [parts[2], parts[1], parts[0]]
    day, month, year = (int(p) for p in parts)
    if year < 1000:
        raise forms.ValidationError(f"{label} must have a four-digit year")
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise forms.ValidationError(f"{label} must be a real date") from exc


def parse_moment(raw: str, label: str) -> dt.datetime | None:
    """A day and time typed as 27 11 2026 14:30, in London time (no time given: midday);
    None for nothing typed."""
    pieces = (raw or "").replace(",", " ").split()
    if not pieces:
        return None
    at = dt.time(12, 0)
    if ":" in pieces[-1]:
        hours, _, minutes = pieces.pop().partition(":")
        if not (hours.isdigit() and minutes.isdigit()) or int(hours) > 23 or int(minutes) > 59:
            raise forms.ValidationError(f"{label}: the time must be like 14:30")
        at = dt.time(int(hours), int(minutes))
    day = parse_day(" ".join(pieces), label)
    if day is None:
        raise forms.ValidationError(f"Enter {label.lower()}")
    return dt.datetime.combine(day, at, tzinfo=LONDON)


class DayField(forms.CharField):
    """A day; left empty, the service says whether one was needed."""

    def __init__(self, *, label: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Day, month and year, like 27 11 2026")
        kwargs.setdefault("widget", forms.TextInput(attrs={"govuk_width": "10"}))
        super().__init__(max_length=12, label=label, **kwargs)

    def clean(self, value):
        return parse_day(super().clean(value) or "", self.label)


class MomentField(forms.CharField):
    """A day and a time."""

    def __init__(self, *, label: str, **kwargs):
        kwargs.setdefault("help_text", "Day, month, year and time, like 27 11 2026 14:30")
        kwargs.setdefault("error_messages", {"required": f"Enter {label.lower()}"})
        kwargs.setdefault("widget", forms.TextInput(attrs={"govuk_width": "20"}))
        super().__init__(max_length=30, label=label, **kwargs)

    def clean(self, value):
        return parse_moment(super().clean(value) or "", self.label)
