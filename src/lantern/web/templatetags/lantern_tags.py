from __future__ import annotations

import datetime as dt

from django import template

from lantern.core import clock

register = template.Library()


@register.filter
def age(date_of_birth: dt.date | None) -> str:
    if not date_of_birth:
        return ""
    today = clock.today()
    years = (
        today.year
        - date_of_birth.year
        - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    )
    if years >= 2:
        return f"{years} years"
    months = (today.year - date_of_birth.year) * 12 + today.month - date_of_birth.month
    months -= today.day < date_of_birth.day
    return f"{months} month{'s' if months != 1 else ''}"


@register.filter
def likelihood(probability: float | None) -> str:
    """A match probability as a person reads it: never a flat 100% or 0%."""
    if probability is None:
        return ""
    if probability >= 0.995:
        return "over 99%"
    if probability < 0.005:
        return "under 1%"
    return f"{round(probability * 100)}%"


@register.filter
def without_address(text: str, mask) -> str:
    """Free text without the address of anyone whose addresses are hidden from the reader
    (`mask`: a lantern.people.safety.AddressMask for the people the page shows)."""
    if not mask or not text:
        return text
    return mask.any_text(str(text))
