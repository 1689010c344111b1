"""The intelligence grading scheme (network/data/grading.toml): three parts, each a
short list of codes with what they mean. `check` refuses a grading outside it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lantern.core.datafiles import Field, load_entries
from lantern.core.validation import refuse

GRADING_FILE = Path(__file__).parent / "data" / "grading.toml"
PARTS = (
    ("source_evaluation", "source evaluation"),
    ("intelligence_assessment", "intelligence assessment"),
    ("handling_code", "handling code"),
)
_FIELDS = {"code": Field(str), "label": Field(str), "meaning": Field(str)}


@dataclass(frozen=True)
class Grade:
    code: str
    label: str
    meaning: str


@functools.cache
def scheme() -> dict[str, dict[str, Grade]]:
    """Each part's grades by code, in the file's order."""
    return {
        part: {e["code"]: Grade(**e) for e in load_entries(GRADING_FILE, part, _FIELDS)}
        for part, _ in PARTS
    }


def choices(part: str) -> list[tuple[str, str]]:
    return [(g.code, f"{g.code}: {g.label}") for g in scheme()[part].values()]


def check(
    source_evaluation: str, intelligence_assessment: str, handling_code: str, conditions: str = ""
) -> tuple[str, str, str]:
    """The three codes, upper-cased, or a refusal naming the part that is outside the
    scheme. Handling code C needs its conditions written down."""
    given = (source_evaluation, intelligence_assessment, handling_code)
    cleaned = []
    for (part, label), value in zip(PARTS, given, strict=True):
        code = (value or "").strip().upper()
        grades = scheme()[part]
        if code not in grades:
            allowed = ", ".join(grades)
            shown = f"{value!r} is" if (value or "").strip() else "Nothing was given, which is"
            refuse(part, f"{shown} not a {label} in the 3x5x2 scheme: use one of {allowed}")
        cleaned.append(code)
    if cleaned[2] == "C" and not (conditions or "").strip():
        refuse(
            "handling_conditions",
            "Handling code C means sharing with conditions: write the conditions",
        )
    return cleaned[0], cleaned[1], cleaned[2]
