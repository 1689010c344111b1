"""Network forms: they read what was typed (GET parameters); the selectors decide what the
reader may see."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from . import normalise
from .models import EntityKind

HOPS = [("1", "1 link"), ("2", "2 links"), ("3", "3 links")]
REFERENCE = re.compile(r"^P-[A-Z0-9]{8}$")


class NetworkFilterForm(forms.Form):
    """Which part of a network to show: a window of time, the kinds of entity, how far."""

    since = forms.DateField(
        required=False, label="Seen from", help_text="Links seen on or after this day"
    )
    until = forms.DateField(
        required=False, label="Seen up to", help_text="Links first seen on or before this day"
    )
    hops = forms.TypedChoiceField(
        choices=HOPS,
        coerce=int,
        required=False,
        empty_value=2,
        label="How far out",
        error_messages={"invalid_choice": "How far out: choose 1, 2 or 3 links"},
    )
    kinds = forms.MultipleChoiceField(
        choices=EntityKind.choices,
        required=False,
        label="Kinds of entity",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Kinds of entity: %(value)s is not a kind of entity (choose "
            "from the list)"
        },
    )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "Seen up to must be on or after seen from")
        return data

    def filters(self) -> Filters:
        if not self.is_bound or not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            since=data["since"],
            until=data["until"],
            hops=data["hops"] or 2,
            kinds=tuple(k for k in EntityKind.values if k in data["kinds"]),
        )


@dataclass(frozen=True)
class Filters:
    since: dt.date | None = None
    until: dt.date | None = None
    hops: int = 2
    kinds: tuple[str, ...] = ()

    @property
    def narrowed(self) -> bool:
        return bool(self.since or self.until or self.kinds)

    @property
    def default(self) -> bool:
        return not self.narrowed and self.hops == 2

    def query(self, **override) -> str:
        """The filters as a query string (for the graph's JSON and the exports)."""
        q = QueryDict(mutable=True)
        if self.since:
            q["since"] = self.since.isoformat()
        if self.until:
            q["until"] = self.until.isoformat()
        q["hops"] = str(override.get("hops", self.hops))
        if self.kinds:
            q.setlist("kinds", list(self.kinds))
        return q.urlencode()

    def described(self) -> str:
        parts = []
        if self.since and self.until:
            parts.append(f"links seen from {self.since:%-d %b %Y} up to {self.until:%-d %b %Y}")
        elif self.since:
            parts.append(f"links seen on or after {self.since:%-d %b %Y}")
        elif self.until:
            parts.append(f"links first seen on or before {self.until:%-d %b %Y}")
        if self.kinds:
            labels = dict(EntityKind.choices)
            parts.append("only " + ", ".join(labels[k].lower() for k in self.kinds))
        return "; ".join(parts)


class SearchForm(forms.Form):
    q = forms.CharField(
        max_length=200,
        label="Registration, phone number, IMEI, online handle, place or person reference",
        help_text="Typed however you have it: AB12CDE or ab12 cde, 07700 900123 or "
        "+44 7700 900123, @handle, a place's name or postcode, a person's Lantern reference",
        error_messages={"required": "Enter what you are looking for"},
    )

    def lookups(self) -> list[Lookup]:
        """Every way what was typed could name an entity, most specific first."""
        text = " ".join(self.cleaned_data["q"].split())
        return lookups_for(text)


@dataclass(frozen=True)
class Lookup:
    """One reading of the search text: the entity kind and its key (exact), or a part of
    the key (`contains`) or its end (`endswith`)."""

    kind: str
    key: str
    match: str = "exact"


def lookups_for(text: str) -> list[Lookup]:
    found: list[Lookup] = []
    upper = text.upper().replace(" ", "")
    if REFERENCE.match(upper):
        return [Lookup(EntityKind.PERSON, upper)]
    for kind, reader in (
        (EntityKind.VEHICLE, normalise.vehicle),
        (EntityKind.PHONE, normalise.phone),
        (EntityKind.HANDSET, normalise.handset),
    ):
        try:
            key, _label = reader(text)
        except ValueError:
            continue
        found.append(Lookup(kind, key))
    handle = text.lstrip("@").lower()
    if re.fullmatch(r"[a-z0-9_.\-]{2,60}", handle):
        found.append(Lookup(EntityKind.ONLINE_ACCOUNT, ":" + handle, "endswith"))
    try:
        code = normalise.postcode(text)
    except ValueError:
        code = ""
    if code:
        found.append(Lookup(EntityKind.LOCATION, "|" + code, "endswith"))
    else:
        try:
            key, _label = normalise.location(text)
        except ValueError:
            key = ""
        if len(key) >= 3:
            found.append(Lookup(EntityKind.LOCATION, key, "contains"))
    return found


class ChainForm(forms.Form):
    """Two entities, by number (from the network pages) or typed as in the search."""

    start = forms.CharField(
        max_length=200,
        label="From",
        help_text="A person reference, registration, phone number or place",
        error_messages={"required": "Enter where the chain starts"},
    )
    end = forms.CharField(
        max_length=200,
        label="To",
        help_text="A person reference, registration, phone number or place",
        error_messages={"required": "Enter where the chain ends"},
    )

    def __init__(self, data=None):
        if data is not None:
            data = data.copy()
            # /network/chain/?from=<pk>&to=<pk>: "from" is a Python keyword, so the fields
            # are called start and end, and both spellings are read.
            for given, field in (("from", "start"), ("to", "end")):
                if given in data and field not in data:
                    data[field] = data[given]
        super().__init__(data)
