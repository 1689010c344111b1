"""The exemptions a redaction may cite, each with its code in the Data Protection Act 2018
and why it applies, in words the requester reads on the redaction list.

Only `third_party` redactions cut out someone else's data; every other exemption withholds
some of the person's own data, so a pack released with one of those still in place is
released "with some of the person's own information withheld", with the reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Exemption:
    code: str
    citation: str
    why: str

    @property
    def withholds_own_data(self) -> bool:
        return self.code != THIRD_PARTY


THIRD_PARTY = "third_party"
SERIOUS_HARM = "serious_harm"
CRIME = "crime"
LAW_ENFORCEMENT = "law_enforcement"

EXEMPTIONS: dict[str, Exemption] = {
    e.code: e
    for e in (
        Exemption(
            THIRD_PARTY,
            "DPA 2018 Sch 2 Part 3 para 16",
            "Information about another person, who has not agreed to its release, where "
            "releasing it without their agreement would not be reasonable.",
        ),
        Exemption(
            SERIOUS_HARM,
            "DPA 2018 Sch 3 Part 3",
            "Social work data whose release would be likely to cause serious harm to the "
            "physical or mental health of someone.",
        ),
        Exemption(
            CRIME,
            "DPA 2018 Sch 2 Part 1 para 2",
            "Releasing it would be likely to prejudice the prevention or detection of crime, "
            "or the arrest or prosecution of offenders.",
        ),
        Exemption(
            LAW_ENFORCEMENT,
            "DPA 2018 s45(4)",
            "Police-held data whose release would be likely to prejudice an investigation "
            "or proceedings.",
        ),
    )
}

CHOICES = [(e.code, f"{e.citation}: {e.why}") for e in EXEMPTIONS.values()]


def citation(code: str) -> str:
    found = EXEMPTIONS.get(code)
    return found.citation if found else code


def withholds_own_data(code: str) -> bool:
    """Whether a redaction citing this exemption withholds the person's own data (every
    exemption but third_party does; an unknown code is taken to, to be safe)."""
    return code != THIRD_PARTY


@dataclass(frozen=True)
class Tally:
    """The redactions still in place, split: other people's information, and the
    person's own information withheld under an exemption (which means the pack can only
    be released "withheld in part")."""

    others: list
    own: list

    @property
    def total(self) -> int:
        return len(self.others) + len(self.own)


def tally(redactions: Iterable) -> Tally:
    in_place = [r for r in redactions if r.lifted_at is None]
    return Tally(
        others=[r for r in in_place if not withholds_own_data(r.exemption)],
        own=[r for r in in_place if withholds_own_data(r.exemption)],
    )
