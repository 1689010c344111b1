"""The sections of a subject access pack, and the apps that contribute them.

Each app that holds data about people contributes what it holds about one person as a
list of `Section`s, through a function

    def sections(person) -> list[Section]

Lantern's own apps are wired in `lantern/sar/contributors/`. Any other app joins by
adding a module `sar_sections.py` beside its models, found when the first pack is
prepared (as Django's admin finds `admin.py`):

    # lantern/support/sar_sections.py
    from lantern.sar.registry import Field, Item, Professional, Section, Withhold

    ORDER = 700  # where its sections go in the pack (optional; lower comes first)

    def sections(person) -> list[Section]:
        ...

    def linked_people(person):  # optional: other people whose names to look for
        ...                     # in the pack's free text (e.g. a survivor's contacts)

A field's value is text, or a list of pieces:

- plain `str`: free text, searched for other people's names, identifiers, addresses and
  dates of birth, each redacted where found;
- `Withhold(text, kind, exemption, why)`: a value that is another person's data (the
  suspect on an investigation, the other party in an event) or that must be withheld
  under an exemption: always redacted, listed with its kind, exemption and reason;
- `Professional(text)`: a worker's name or job acting in their professional role, given
  as it is and not searched (see contributors/audit_log.py for the choice).

Contributors read the database directly, with no user: the pack is for the data
protection officer, who reads it through lantern.sar.access, and its every read is
audited by lantern.sar.selectors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from lantern.people.models import Person

from .exemptions import THIRD_PARTY

AUTODISCOVER_MODULE = "sar_sections"
DEFAULT_ORDER = 500


@dataclass(frozen=True)
class Withhold:
    text: str
    kind: str
    exemption: str = THIRD_PARTY
    why: str = ""


@dataclass(frozen=True)
class Professional:
    text: str


Piece = str | Withhold | Professional
Value = Piece | list[Piece]


@dataclass
class Field:
    label: str
    value: Value


@dataclass
class Item:
    heading: str
    when: dt.date | dt.datetime | None = None
    agency: str = ""
    police: bool = False  # police-held: disclosed under DPA 2018 s45
    fields: list[Field] = field(default_factory=list)

    def add(self, label: str, value: Value | None) -> Item:
        """Add a field if it has a value."""
        if value is None or value == "" or value == []:
            return self
        self.fields.append(Field(label, value))
        return self


@dataclass
class Section:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    intro: str = ""
    empty: str = "Nothing held."


@dataclass(frozen=True)
class Contributor:
    name: str
    sections: Callable[[Person], list[Section]]
    linked_people: Callable[[Person], Iterable[Person]] | None = None
    order: int = DEFAULT_ORDER


_registered: dict[str, Contributor] = {}
_discovered = False


def register(
    name: str,
    *,
    sections: Callable[[Person], list[Section]],
    linked_people: Callable[[Person], Iterable[Person]] | None = None,
    order: int = DEFAULT_ORDER,
) -> None:
    """Add (or replace) a contributor of pack sections."""
    _registered[name] = Contributor(name, sections, linked_people, order)


def unregister(name: str) -> None:
    _registered.pop(name, None)


def autodiscover() -> None:
    """Register every installed app's `sar_sections` module (once)."""
    global _discovered
    if _discovered:
        return
    from . import contributors

    contributors.register_builtin()
    for config in apps.get_app_configs():
        if config.label in _registered or not module_has_submodule(
            config.module, AUTODISCOVER_MODULE
        ):
            continue
        module = import_module(f"{config.name}.{AUTODISCOVER_MODULE}")
        register(
            config.label,
            sections=module.sections,
            linked_people=getattr(module, "linked_people", None),
            order=getattr(module, "ORDER", DEFAULT_ORDER),
        )
    _discovered = True


def contributors() -> list[Contributor]:
    autodiscover()
    return sorted(_registered.values(), key=lambda c: (c.order, c.name))
