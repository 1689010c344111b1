"""The partnership's anonymised view, built from plain facts (no database, no person): how
many pieces of feedback touched each theme, came from each kind of giver and were
positive, mixed or negative, in each quarter of a financial year, with totals, and every
count that could point at someone hidden (suppression.py).

Years are financial years, April to March, as the partnership reports; the view shows one
whole year at a time, so no two views overlap and no count can be worked out by taking one
view from another.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .suppression import Shown, Table, protect_linked, protect_table

QUARTER_MONTHS = ("Apr to Jun", "Jul to Sep", "Oct to Dec", "Jan to Mar")
QUARTERS = ("q1", "q2", "q3", "q4")
NOT_RECORDED = ""


def financial_year(day: dt.date) -> int:
    """The year a financial year starts in: 1 April 2026 to 31 March 2027 is 2026."""
    return day.year if day.month >= 4 else day.year - 1


def quarter_of(day: dt.date) -> str:
    return QUARTERS[((day.month - 4) % 12) // 3]


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def year_label(year: int) -> str:
    return f"April {year} to March {year + 1}"


def quarter_label(year: int, quarter: str) -> str:
    n = QUARTERS.index(quarter)
    return f"{QUARTER_MONTHS[n]} {year if n < 3 else year + 1}"


def quarter_label_of(day: dt.date) -> str:
    """The finest a date is ever shown beside anonymised words."""
    return quarter_label(financial_year(day), quarter_of(day))


@dataclass(frozen=True)
class Fact:
    """One piece of feedback as the partnership view counts it: nothing else about it."""

    quarter: str
    giver_kind: str
    sentiment: str
    themes: tuple[str, ...] = ()


@dataclass
class View:
    year: int
    label: str
    columns: list[tuple[str, str]]
    by_theme: Table
    by_kind: Table
    by_sentiment: Table

    @property
    def feedback_total(self) -> Shown:
        return self.by_kind.shown(("all",))

    def theme_total(self, code: str) -> Shown:
        return self.by_theme.shown(("row", code))

    def tables(self) -> list[tuple[str, str, Table]]:
        return [
            ("by_theme", "Themes, by quarter", self.by_theme),
            ("by_kind", "Who gave feedback, by quarter", self.by_kind),
            ("by_sentiment", "How it felt, by quarter", self.by_sentiment),
        ]

    def numbers(self) -> list[Shown]:
        """Every number the view shows, for checking."""
        return [
            shown
            for _key, _title, table in self.tables()
            for _code, _label, cells, total in table.grid()
            for shown in [*cells, total]
        ]


def build(
    facts: Iterable[Fact],
    *,
    year: int,
    theme_rows: list[tuple[str, str]],
    kind_rows: list[tuple[str, str]],
    sentiment_rows: list[tuple[str, str]],
) -> View:
    """Count the facts and suppress. Theme rows are the themes to show; a fact's theme not
    among them is not counted (the caller lists every theme that occurs)."""
    facts = list(facts)
    columns = [(q, quarter_label(year, q)) for q in QUARTERS]
    themes = Counter((t, f.quarter) for f in facts for t in set(f.themes))
    kinds = Counter((f.giver_kind, f.quarter) for f in facts)
    sentiments = Counter((f.sentiment, f.quarter) for f in facts)
    shown_themes = {code for code, _ in theme_rows}
    missing = {t for t, _ in themes} - shown_themes
    if missing:
        raise ValueError(f"themes without a row: {', '.join(sorted(missing))}")
    by_theme = protect_table(Table("theme", theme_rows, columns, dict(themes)))
    by_kind = Table("kind", kind_rows, columns, dict(kinds), shared="feedback")
    by_sentiment = Table("sentiment", sentiment_rows, columns, dict(sentiments), shared="feedback")
    protect_linked(by_kind, by_sentiment)
    return View(
        year=year,
        label=year_label(year),
        columns=columns,
        by_theme=by_theme,
        by_kind=by_kind,
        by_sentiment=by_sentiment,
    )
