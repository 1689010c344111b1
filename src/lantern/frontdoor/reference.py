"""The front door's lists that the partnership keeps as data: concern categories and the
lawful bases for sharing without the family's agreement. Validated when loaded."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lantern.core.datafiles import Field, load_entries

DATA = Path(__file__).parent / "data"
CATEGORIES_FILE = DATA / "concern_categories.toml"
LAWFUL_BASES_FILE = DATA / "lawful_bases.toml"

ENTRY_FIELDS = {
    "code": Field(str),
    "name": Field(str),
    "description": Field(str),
    "active": Field(bool, required=False, default=True),
}


@dataclass(frozen=True)
class Choice:
    code: str
    name: str
    description: str
    active: bool = True


def load_choices(path: Path, table: str) -> dict[str, Choice]:
    return {entry["code"]: Choice(**entry) for entry in load_entries(path, table, ENTRY_FIELDS)}


@functools.cache
def concern_categories() -> dict[str, Choice]:
    """Every category ever used, by code; new referrals may name only active ones."""
    return load_choices(CATEGORIES_FILE, "category")


@functools.cache
def lawful_bases() -> dict[str, Choice]:
    return load_choices(LAWFUL_BASES_FILE, "basis")


def active(choices: dict[str, Choice]) -> list[Choice]:
    return [c for c in choices.values() if c.active]
