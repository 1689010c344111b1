"""Scoring at the front door: one query against a few candidate people, in pure Python.

A social worker types a name, a date of birth and a postcode and must know within
a second whether the child is known. Splink's real-time scoring builds SQL for
every call (about 250 ms); this module scores the same model (the m and u
probabilities in model.json) directly, in microseconds per pair, and explains each
score field by field: which level each comparison hit, and how much that weighed
for or against.

It must agree with Splink: each function below walks one comparison's levels in
the order and with the SQL meaning of `model.comparisons()`, and `Scorer` refuses
a model whose SQL differs from the conditions it implements, so the two cannot
drift apart unnoticed. A test checks
agreement with Splink's own predictions on hundreds of pairs.

Candidates come from an index on `blocking_keys`: the keys of every stored record,
intersected with the keys of the query.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import jellyfish

from .model import NAME_CLOSE, LinkageModel, comparisons, load

Record = Mapping[str, object]
# A comparison as Python: which of its levels (by position in model.comparisons())
# a pair of prepared records falls in.
Which = Callable[[Record, Record], int]

M_U_FLOOR = 1e-300  # as Splink clamps m and u before taking logs


def _value(record: Record, column: str) -> object:
    """A record's value, with "" read as missing."""
    return record.get(column) or None


# SQL semantics throughout: a missing value (None, or "") equals nothing, itself
# included, so every comparison of a missing value is false.


def _close(left: str, right: str) -> bool:
    return (
        jellyfish.jaro_winkler_similarity(left, right) >= NAME_CLOSE
        or jellyfish.damerau_levenshtein_distance(left, right) <= 1
    )


def _given_name(a: Record, b: Record) -> int:
    left, right = a.get("given_name") or None, b.get("given_name") or None
    if left is None or right is None:
        return 0  # First name missing
    if left == right:
        return 1  # Same first name
    if left == (b.get("family_name") or None) and (a.get("family_name") or None) == right:
        return 2  # First name given as the family name
    forms_l, forms_r = a.get("given_forms"), b.get("given_forms")
    if forms_l is not None and forms_r is not None and not set(forms_l).isdisjoint(forms_r):
        return 3  # Nickname or formal name
    if _close(left, right):
        return 4  # Close spelling
    return 5  # Different first name


def _family_name(a: Record, b: Record) -> int:
    left, right = a.get("family_name") or None, b.get("family_name") or None
    if left is None or right is None:
        return 0
    if left == right:
        return 1
    if (a.get("given_name") or None) == right and left == (b.get("given_name") or None):
        return 2  # Family name given as the first name
    if _close(left, right):
        return 3
    return 4


def _date_of_birth(a: Record, b: Record) -> int:
    left, right = a.get("date_of_birth") or None, b.get("date_of_birth") or None
    if left is None or right is None:
        return 0
    if left == right:
        return 1
    if left == (b.get("dob_swapped") or None):
        return 2  # Day and month swapped
    if jellyfish.levenshtein_distance(left, right) <= 1:
        return 3  # One digit different
    year = a.get("dob_year") or None
    if year is not None and year == (b.get("dob_year") or None):
        return 4  # Same year of birth
    return 5


def _address(a: Record, b: Record) -> int:
    left, right = a.get("postcode") or None, b.get("postcode") or None
    if left is None or right is None:
        return 0  # Address missing
    line = a.get("address_key") or None
    if left == right and line is not None and line == (b.get("address_key") or None):
        return 1  # Same address and postcode
    if left == right:
        return 2  # Same postcode, different address
    district = a.get("postcode_district") or None
    if district is not None and district == (b.get("postcode_district") or None):
        return 3  # Same postcode district
    return 4


def _exactly(column: str) -> Which:
    """Missing / the same / different: sex and the identifiers."""

    def which(a: Record, b: Record) -> int:
        left, right = a.get(column) or None, b.get(column) or None
        if left is None or right is None:
            return 0
        return 1 if left == right else 2

    return which


LEVELS: dict[str, Which] = {
    "given_name": _given_name,
    "family_name": _family_name,
    "date_of_birth": _date_of_birth,
    "sex": _exactly("sex"),
    "address": _address,
    "nhs_number": _exactly("nhs_number"),
    "upn": _exactly("upn"),
    "pnc_id": _exactly("pnc_id"),
}


@dataclass(frozen=True)
class _Level:
    gamma: int
    label: str
    weight: float
    is_null: bool
    tf_column: str | None
    tf_weight: float
    tf_minimum_u: float
    log2_u_exact: float


class Evidence(NamedTuple):
    """One comparison's contribution to a score (a named tuple: made by the million)."""

    comparison: str
    description: str
    label: str
    gamma: int
    weight: float  # log2 Bayes factor, term-frequency adjustment included

    @property
    def bayes_factor(self) -> float:
        return 2.0**self.weight

    @property
    def direction(self) -> str:
        if self.weight > 0:
            return "for"
        if self.weight < 0:
            return "against"
        return "neutral"


@dataclass(frozen=True)
class Score:
    """A query scored against one candidate record."""

    candidate: Record
    match_weight: float
    match_probability: float
    evidence: tuple[Evidence, ...]

    @property
    def unique_id(self) -> str:
        return str(self.candidate.get("unique_id"))

    def for_(self) -> list[Evidence]:
        return sorted((e for e in self.evidence if e.weight > 0), key=lambda e: -e.weight)

    def against(self) -> list[Evidence]:
        return sorted((e for e in self.evidence if e.weight < 0), key=lambda e: e.weight)


def _weight(m: float | None, u: float | None) -> float:
    if m is None or u is None:
        return 0.0
    return math.log2(max(m, M_U_FLOOR) / max(u, M_U_FLOOR))


def probability(weight: float) -> float:
    """Match probability from a match weight, stable for large weights either way."""
    if weight >= 0:
        return 1.0 / (1.0 + 2.0**-weight)
    power = 2.0**weight
    return power / (1.0 + power)


class Scorer:
    """Scores prepared records with a trained model, as Splink would, in pure Python.

    `term_frequencies` maps a column (given_name, family_name) to {value: share of
    records with that value}, as Splink computes them from its input; without it
    no term-frequency adjustment is made (as Splink, when a value is unknown).
    `prior` is the probability that two random records match; by default the
    model's own.
    """

    def __init__(
        self,
        model: LinkageModel | None = None,
        *,
        term_frequencies: Mapping[str, Mapping[str, float]] | None = None,
        prior: float | None = None,
    ):
        self.model = model or load()
        self.term_frequencies = {k: dict(v) for k, v in (term_frequencies or {}).items()}
        self.prior = prior if prior is not None else self.model.prior
        self.prior_weight = math.log2(self.prior / (1.0 - self.prior))
        self._check_conditions()
        self.comparisons: list[tuple[str, str, list[_Level], Which]] = []
        for spec in self.model.splink_settings["comparisons"]:
            name = spec["output_column_name"]
            levels = self.model.levels(name)
            exact_u = {
                lv.get("tf_adjustment_column"): lv.get("u_probability")
                for lv in levels
                if lv.get("tf_adjustment_column")
            }
            compiled = []
            for level in levels:
                tf_column = level.get("tf_adjustment_column")
                u_exact = exact_u.get(tf_column) if tf_column else None
                compiled.append(
                    _Level(
                        gamma=level["gamma"],
                        label=level["label_for_charts"],
                        weight=0.0
                        if level.get("is_null_level")
                        else _weight(level.get("m_probability"), level.get("u_probability")),
                        is_null=bool(level.get("is_null_level")),
                        tf_column=tf_column,
                        tf_weight=float(level.get("tf_adjustment_weight", 1.0)),
                        tf_minimum_u=float(level.get("tf_minimum_u_value", 0.0)),
                        log2_u_exact=math.log2(u_exact) if u_exact else 0.0,
                    )
                )
            description = spec.get("comparison_description", name)
            self.comparisons.append((name, description, compiled, LEVELS[name]))

    def _check_conditions(self) -> None:
        """Refuse a model whose SQL this scorer does not implement."""
        expected = {c["output_column_name"]: c for c in comparisons()}
        for spec in self.model.splink_settings["comparisons"]:
            name = spec["output_column_name"]
            if name not in expected:
                raise ValueError(f"The scorer does not implement the comparison '{name}'.")
            ours = [lv["sql_condition"] for lv in expected[name]["comparison_levels"]]
            theirs = [lv["sql_condition"] for lv in spec["comparison_levels"]]
            if ours != theirs:
                raise ValueError(
                    f"The model's '{name}' levels differ from those the scorer implements: "
                    "update scorer.LEVELS with model.comparisons()."
                )

    def _tf_adjustment(self, level: _Level, a: Record, b: Record) -> float:
        if level.tf_column is None or level.tf_weight == 0:
            return 0.0
        table = self.term_frequencies.get(level.tf_column)
        if not table:
            return 0.0
        left = table.get(a.get(level.tf_column) or None)
        right = table.get(b.get(level.tf_column) or None)
        if left is None and right is None:
            return 0.0
        left = left if left is not None else right
        right = right if right is not None else left
        u_value = max(left, right, level.tf_minimum_u)
        return level.tf_weight * (level.log2_u_exact - math.log2(u_value))

    def score(self, query: Record, candidate: Record) -> Score:
        """Score one prepared query against one prepared candidate record."""
        total = self.prior_weight
        evidence = []
        for name, description, levels, which in self.comparisons:
            level = levels[which(query, candidate)]
            weight = level.weight
            if level.tf_column is not None:
                weight += self._tf_adjustment(level, query, candidate)
            total += weight
            evidence.append(Evidence(name, description, level.label, level.gamma, weight))
        return Score(
            candidate=candidate,
            match_weight=total,
            match_probability=probability(total),
            evidence=tuple(evidence),
        )

    def rank(self, query: Record, candidates: Iterable[Record]) -> list[Score]:
        """Every candidate scored, strongest first."""
        scores = [self.score(query, candidate) for candidate in candidates]
        scores.sort(key=lambda s: -s.match_weight)
        return scores

    def rank_people(
        self, query: Record, candidates: Iterable[tuple[str, Record]]
    ) -> list[tuple[str, Score]]:
        """People ranked by their best-matching record: candidates are (person, record).

        A person is as likely to be the query as the best of their agencies' records.
        """
        best: dict[str, Score] = {}
        for person, record in candidates:
            scored = self.score(query, record)
            if person not in best or scored.match_weight > best[person].match_weight:
                best[person] = scored
        return sorted(best.items(), key=lambda item: -item[1].match_weight)


def term_frequencies(
    records: Iterable[Record], columns: Iterable[str] = ("given_name", "family_name")
) -> dict[str, dict[str, float]]:
    """Share of records holding each value, among those with any, as Splink computes
    term frequencies (count of the value / count of non-null values)."""
    wanted = list(columns)
    counts: dict[str, dict[str, int]] = {c: {} for c in wanted}
    for record in records:
        for column in wanted:
            value = _value(record, column)
            if value is not None:
                counts[column][value] = counts[column].get(value, 0) + 1
    out: dict[str, dict[str, float]] = {}
    for column, table in counts.items():
        total = sum(table.values())
        out[column] = {value: n / total for value, n in table.items()} if total else {}
    return out


# ---------------------------------------------------------------- candidate keys


def blocking_keys(record: Record) -> list[str]:
    """Keys a database can index so that a query finds a person's other records.

    Index every stored record under its keys; look a query up by its own keys; the
    candidates are the records sharing at least one. Each key survives a different
    slip, mirroring the bulk blocking rules:

    - a valid identifier (NHS number, UPN, PNC ID);
    - date of birth with the family name's sound (first name mistyped or a nickname);
    - date of birth with the canonical first name (family name mistyped or changed);
    - date of birth with both names in alphabetical order (names swapped), and with
      the two names' initials in order (swapped and mistyped);
    - canonical first name, family sound and year of birth (day and month swapped,
      or a digit wrong);
    - canonical first name, family sound and postcode (date of birth missing);
    - postcode, family sound and first initial (two slips at once, at home).

    Keys are short text; a key whose parts are missing is not emitted.
    """
    given = _value(record, "given_canonical")
    family = _value(record, "family_phonetic")
    dob = _value(record, "date_of_birth")
    year = _value(record, "dob_year")
    postcode = _value(record, "postcode")
    names = sorted(n for n in (_value(record, "given_name"), _value(record, "family_name")) if n)
    keys = [
        f"{prefix}:{_value(record, column)}"
        for prefix, column in (("nhs", "nhs_number"), ("upn", "upn"), ("pnc", "pnc_id"))
        if _value(record, column) is not None
    ]
    if dob and family:
        keys.append(f"df:{dob}:{family}")
    if dob and given:
        keys.append(f"dg:{dob}:{given}")
    if dob and len(names) == 2:
        keys.append(f"dn:{dob}:{names[0]}:{names[1]}")
        keys.append(f"di:{dob}:{''.join(sorted(n[0] for n in names))}")
    if given and family and year:
        keys.append(f"gfy:{given}:{family}:{year}")
    if given and family and postcode:
        keys.append(f"gfp:{given}:{family}:{postcode}")
    initial = _value(record, "given_initial")
    if postcode and family and initial:
        keys.append(f"pfi:{postcode}:{family}:{initial}")
    return keys
