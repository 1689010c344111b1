"""The arithmetic of outcomes, kept apart from the database so that it can be checked by
hand: which counts are convicted, and a defendant's effective custodial term.

Effective term. Each custodial sentence (custody, or life counted by its minimum term)
starts either when the defendant is sentenced (concurrent) or when the sentence on
another count ends (consecutive to that count). The effective term is when the last one
ends: consecutive terms add, concurrent terms do not. Suspended sentences, community
orders and other orders are not custody and add nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One count's sentence, as the arithmetic needs it."""

    count: int
    months: int  # custody term, or a life sentence's minimum term; 0 if not custodial
    consecutive_to: int | None = None
    life: bool = False


class ChainError(ValueError):
    """A consecutive sentence that points at no sentenced count, or goes round in a ring."""


def ends(terms: Mapping[int, Term]) -> dict[int, int]:
    """When each count's custodial term ends, in months from sentencing: its own term after
    the end of the count it is consecutive to. Walked with a stack, not recursion, so a
    chain of any length is fine; a ring or a missing count raises ChainError."""
    done: dict[int, int] = {}
    for first in terms:
        path: list[int] = []
        on_path: set[int] = set()
        count = first
        while count not in done:
            if count in on_path:
                raise ChainError(
                    f"count {count}'s sentence is consecutive to itself, through a ring"
                )
            term = terms.get(count)
            if term is None:
                raise ChainError(f"count {count} has no sentence to run after")
            path.append(count)
            on_path.add(count)
            if term.consecutive_to is None:
                done[count] = term.months
                path.pop()
                break
            count = term.consecutive_to
        for count in reversed(path):
            done[count] = done[terms[count].consecutive_to] + terms[count].months
    return done


def effective_months(terms: Mapping[int, Term]) -> int:
    """When the last custodial term ends, in months from sentencing."""
    return max(ends(terms).values(), default=0)


def describe_months(months: int) -> str:
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if rest or not years:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " ".join(parts)
