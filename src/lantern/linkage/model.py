"""The linkage model: what is compared, how much each agreement weighs, and training.

The model is a Splink (Fellegi-Sunter) model whose comparisons a reviewer can read:
"first name: nickname", "date of birth: day and month swapped". Its trained form
is data, not code: `data/model.json` holds Splink's own settings dictionary, with a
label on every level and the m and u probabilities beside it, so a change to the
model is a diff a person can review, and `Linker(df, json["splink_settings"])`
loads it in Splink directly.

Two design decisions come from a measured failure (issue 4). With address,
postcode and town as three comparisons, Splink counted one fact three times and
merged parents, siblings and twins who share a home: precision fell to 0.41. So
the address is ONE comparison, from "same address and postcode" down to
"different". And first name and date of birth each have a strong "different"
level: EM learns their m from blocks (same NHS number; same date of birth and
postcode; same names and year) that never put a whole household among the
"matches", so true matches are seen to disagree on either only rarely, and
"first name and date of birth both differ" sums to about -17 bits (a Bayes factor
of one in 120,000), more than a shared home and family name are worth. The engine
adds what a model of independent comparisons cannot express: pairs from one
household that disagree on first name or date of birth go to a human.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .prepare import IDENTIFIERS, prepare_frame

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "model.json"
FORMAT = "lantern-linkage-model/1"

# A level's SQL reads columns with _l and _r suffixes; these helpers keep the
# conditions below short enough to read.


def _l(column: str) -> str:
    return f'"{column}_l"'


def _r(column: str) -> str:
    return f'"{column}_r"'


def _null(*columns: str) -> str:
    return " OR ".join(f"{_l(c)} IS NULL OR {_r(c)} IS NULL" for c in columns)


def _same(column: str) -> str:
    return f"{_l(column)} = {_r(column)}"


NAME_CLOSE = 0.9  # Jaro-Winkler similarity at or above which two names are "close"


# The few SQL functions the levels use, by Splink dialect: the model is trained and
# saved in DuckDB's SQL, and rebuilt for Spark by `LinkageModel.settings_for`. On
# Spark, Damerau-Levenshtein is the one in Splink's jar; Jaro-Winkler is Lantern's
# own (`linkage.spark`), because the jar's scores some names lower than DuckDB does.
FUNCTIONS = {
    "duckdb": {
        "jaro_winkler": "jaro_winkler_similarity",
        "damerau_levenshtein": "damerau_levenshtein",
        "levenshtein": "levenshtein",
        "overlap": "list_has_any",
    },
    "spark": {
        "jaro_winkler": "lantern_jaro_winkler",
        "damerau_levenshtein": "damerau_levenshtein",
        "levenshtein": "levenshtein",
        "overlap": "arrays_overlap",
    },
}


def _close(column: str, fn: dict[str, str]) -> str:
    """Close spelling: Jaro-Winkler at least NAME_CLOSE, or one letter wrong, missing,
    extra or swapped with its neighbour. Jaro-Winkler alone misses short names
    ("Amy" and "Aym" score 0.56), which are the commonest among children."""
    return (
        f"{fn['jaro_winkler']}({_l(column)}, {_r(column)}) >= {NAME_CLOSE} "
        f"OR {fn['damerau_levenshtein']}({_l(column)}, {_r(column)}) <= 1"
    )


def _level(sql: str, label: str, *, null: bool = False, tf: str | None = None) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


def _identifier(column: str, name: str) -> dict[str, Any]:
    return {
        "output_column_name": column,
        "comparison_description": f"{name}: the same, or two different valid numbers",
        "comparison_levels": [
            _level(_null(column), f"{name} missing", null=True),
            _level(_same(column), f"Same {name}"),
            _level("ELSE", f"Different {name}"),
        ],
    }


def comparisons(
    identifiers: tuple[str, ...] = IDENTIFIERS, *, dialect: str = "duckdb"
) -> list[dict]:
    """The comparisons, strongest evidence first within each, as Splink settings dicts.

    Names are compared on their standard keys (see prepare.name_key). The swapped
    level sits in both name comparisons because a swap means both names agree, just
    crosswise: it should count as much as two agreements, not cancel two
    disagreements.
    """
    fn = FUNCTIONS[dialect]
    swapped = (
        f"{_l('given_name')} = {_r('family_name')} AND {_l('family_name')} = {_r('given_name')}"
    )
    given = {
        "output_column_name": "given_name",
        "comparison_description": "First name",
        "comparison_levels": [
            _level(_null("given_name"), "First name missing", null=True),
            _level(_same("given_name"), "Same first name", tf="given_name"),
            _level(swapped, "First name given as the family name"),
            _level(
                f"{fn['overlap']}({_l('given_forms')}, {_r('given_forms')})",
                "Nickname or formal name (Bill and William)",
            ),
            _level(_close("given_name", fn), "Close spelling of the first name"),
            _level("ELSE", "Different first name"),
        ],
    }
    family = {
        "output_column_name": "family_name",
        "comparison_description": "Family name",
        "comparison_levels": [
            _level(_null("family_name"), "Family name missing", null=True),
            _level(_same("family_name"), "Same family name", tf="family_name"),
            _level(swapped, "Family name given as the first name"),
            _level(_close("family_name", fn), "Close spelling of the family name"),
            _level("ELSE", "Different family name"),
        ],
    }
    dob = {
        "output_column_name": "date_of_birth",
        "comparison_description": "Date of birth",
        "comparison_levels": [
            _level(_null("date_of_birth"), "Date of birth missing", null=True),
            _level(_same("date_of_birth"), "Same date of birth"),
            _level(
                f"{_l('date_of_birth')} = {_r('dob_swapped')}",
                "Day and month swapped (03/04 and 04/03)",
            ),
            _level(
                f"{fn['levenshtein']}({_l('date_of_birth')}, {_r('date_of_birth')}) <= 1",
                "One digit different",
            ),
            _level(_same("dob_year"), "Same year of birth"),
            _level("ELSE", "Different date of birth"),
        ],
    }
    sex = {
        "output_column_name": "sex",
        "comparison_description": "Sex",
        "comparison_levels": [
            _level(_null("sex"), "Sex not recorded", null=True),
            _level(_same("sex"), "Same sex"),
            _level("ELSE", "Different sex"),
        ],
    }
    address = {
        "output_column_name": "address",
        "comparison_description": (
            "Address, as one piece of evidence: line, postcode and district together"
        ),
        "comparison_levels": [
            _level(_null("postcode"), "Address missing", null=True),
            _level(
                f"{_same('address_key')} AND {_same('postcode')}",
                "Same address and postcode",
            ),
            _level(_same("postcode"), "Same postcode, different address"),
            _level(_same("postcode_district"), "Same postcode district"),
            _level("ELSE", "Different area"),
        ],
    }
    names = {"nhs_number": "NHS number", "upn": "UPN", "pnc_id": "PNC ID"}
    built = [
        given,
        family,
        dob,
        sex,
        address,
        *(_identifier(column, names[column]) for column in identifiers),
    ]
    if dialect == "spark":  # Spark quotes identifiers with backticks, not double quotes
        for comparison in built:
            for level in comparison["comparison_levels"]:
                level["sql_condition"] = level["sql_condition"].replace('"', "`")
    return built


# Which pairs are scored at all. Each rule is an equi-join, so DuckDB hashes rather
# than compares everything with everything; together they find a record's other
# records through any single slip (a typo, a nickname, swapped names, a swapped or
# missing date of birth, a move) while comparing a few pairs per record.
BLOCKING_RULES = [
    "l.nhs_number = r.nhs_number",
    "l.upn = r.upn",
    "l.pnc_id = r.pnc_id",
    "l.date_of_birth = r.date_of_birth AND l.family_phonetic = r.family_phonetic",
    "l.date_of_birth = r.date_of_birth AND l.given_canonical = r.given_canonical",
    "l.date_of_birth = r.date_of_birth AND l.given_name = r.family_name",
    "l.given_canonical = r.given_canonical AND l.family_phonetic = r.family_phonetic "
    "AND l.dob_year = r.dob_year",
    "l.given_canonical = r.given_canonical AND l.family_phonetic = r.family_phonetic "
    "AND l.postcode = r.postcode",
]
# Measured on the synthetic million: these rules score 1.27 million pairs. A rule on
# postcode, family sound and first initial (two slips at once at an unchanged home)
# doubled that for 88 more true pairs, so it is left to the front door's keys.

# Training. The deterministic rules estimate how often two random records match
# (they admit almost no false matches); RULES_RECALL is the share of true matches
# they find, measured against the synthetic borough's ground truth (0.937 on a
# 20,000-person borough: most agencies there record the NHS number).
DETERMINISTIC_RULES = [
    "l.nhs_number = r.nhs_number",
    "l.given_name = r.given_name AND l.family_name = r.family_name "
    "AND l.date_of_birth = r.date_of_birth AND l.postcode = r.postcode",
]
RULES_RECALL = 0.94
# EM runs once per rule; each estimates m for the comparisons its rule does not fix.
# None of them blocks on the address alone, which would fill the "matches" with
# households (the failure this model is designed against).
EM_RULES = [
    "l.nhs_number = r.nhs_number",
    "l.date_of_birth = r.date_of_birth AND l.postcode = r.postcode",
    "l.given_canonical = r.given_canonical AND l.family_name = r.family_name "
    "AND l.dob_year = r.dob_year",
]


def settings_dict(
    *,
    identifiers: tuple[str, ...] = IDENTIFIERS,
    link_type: str = "dedupe_only",
) -> dict[str, Any]:
    """Untrained Splink settings for the Lantern model."""
    return {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "source_dataset_column_name": "source_dataset",
        "probability_two_random_records_match": 1e-4,
        "comparisons": comparisons(identifiers),
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule} for rule in BLOCKING_RULES if _uses_only(rule, identifiers)
        ],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "em_convergence": 0.0001,
        "max_iterations": 25,
    }


def _uses_only(rule: str, identifiers: tuple[str, ...]) -> bool:
    """A rule on an identifier the model does not compare is dropped."""
    absent = {"nhs_number", "upn", "pnc_id"} - set(identifiers)
    return not any(f"l.{column}" in rule for column in absent)


@dataclass
class LinkageModel:
    """A trained model: Splink's settings plus what Lantern needs to apply it.

    `records` and `matches_per_record` describe the training data, so the prior
    (how likely two random records are to match) can be scaled to a frame of
    another size: in a borough of a million records a random pair is far less
    likely to match than in one of thirty thousand.
    """

    splink_settings: dict[str, Any]
    records: int
    matches_per_record: float
    trained: dict[str, Any] = field(default_factory=dict)

    @property
    def prior(self) -> float:
        return float(self.splink_settings["probability_two_random_records_match"])

    def prior_for(self, records: int, *, mode: str = "dedupe", other: int | None = None) -> float:
        """The probability that two random records match, for a frame of `records`.

        Deduplication: each record has about `matches_per_record` others in the
        frame, so the prior is that over records - 1. Linking two frames: each
        record is expected to have one match in the larger frame.
        """
        if mode == "link":
            larger = max(records, other or records, 2)
            return min(0.5, 1.0 / larger)
        return min(0.5, self.matches_per_record / max(records - 1, 1))

    def settings_for(
        self,
        *,
        prior: float | None = None,
        link_type: str | None = None,
        retain_matching_columns: bool = False,
        dialect: str = "duckdb",
    ) -> dict[str, Any]:
        """A copy of the Splink settings with another prior, link type or SQL dialect.

        For another dialect (Spark), each level's SQL is rebuilt from `comparisons`
        and keeps its trained m and u: the same model, in the engine's own SQL.
        """
        settings = deepcopy(self.splink_settings)
        if dialect != "duckdb":
            rebuilt = {c["output_column_name"]: c for c in comparisons(dialect=dialect)}
            for comparison in settings["comparisons"]:
                ours = rebuilt[comparison["output_column_name"]]["comparison_levels"]
                for level, spec in zip(comparison["comparison_levels"], ours, strict=True):
                    level["sql_condition"] = spec["sql_condition"]
        if prior is not None:
            settings["probability_two_random_records_match"] = prior
        if link_type is not None:
            settings["link_type"] = link_type
        settings["retain_matching_columns"] = retain_matching_columns
        return settings

    @property
    def comparison_names(self) -> list[str]:
        return [c["output_column_name"] for c in self.splink_settings["comparisons"]]

    def levels(self, comparison: str) -> list[dict[str, Any]]:
        """The levels of one comparison, with the gamma value Splink gives each.

        Splink numbers levels from the weakest (0, the else level) up, and the null
        level is -1.
        """
        for spec in self.splink_settings["comparisons"]:
            if spec["output_column_name"] == comparison:
                levels = spec["comparison_levels"]
                non_null = [lv for lv in levels if not lv.get("is_null_level")]
                out = []
                for level in levels:
                    gamma = (
                        -1
                        if level.get("is_null_level")
                        else len(non_null) - 1 - non_null.index(level)
                    )
                    out.append({**level, "gamma": gamma})
                return out
        raise KeyError(comparison)

    def labels(self) -> dict[str, dict[int, str]]:
        """comparison -> gamma -> label, to show the evidence for a scored pair."""
        return {
            name: {lv["gamma"]: lv["label_for_charts"] for lv in self.levels(name)}
            for name in self.comparison_names
        }


# ---------------------------------------------------------------- training


def _linker(prepared: pd.DataFrame, settings: dict[str, Any]):
    """A Splink linker on an in-memory DuckDB database (imported late: Splink is heavy)."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI()
    frame = db_api.register(prepared, table_name="records")
    return Linker(frame, settings, log_level=logging.WARNING)


def train(
    frame: pd.DataFrame,
    *,
    seed: int = 1,
    u_pairs: float = 2e6,
    rules_recall: float = RULES_RECALL,
    description: str = "",
) -> LinkageModel:
    """Train the model on a raw frame (deduplication): u by random sampling, the prior
    from deterministic rules, m by expectation maximisation over EM_RULES.

    Identifiers that no record in the frame carries are left out of the model (a
    benchmark without pupil numbers has nothing to learn about them). The same frame
    and seed give the same model, to the precision of floating-point sums.
    """
    prepared = prepare_frame(frame)
    identifiers = tuple(
        column for column in IDENTIFIERS if prepared[column].notna().any()
    )
    settings = settings_dict(identifiers=identifiers)
    linker = _linker(prepared, settings)
    linker.training.estimate_probability_two_random_records_match(
        [r for r in DETERMINISTIC_RULES if _uses_only(r, identifiers)], recall=rules_recall
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=u_pairs, seed=seed, min_count_per_level=None, num_chunks=1
    )
    for rule in EM_RULES:
        if _uses_only(rule, identifiers):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
    trained = _finish(linker.misc.save_model_to_json(), prepared=prepared, u_pairs=u_pairs)
    records = len(prepared)
    prior = float(trained["probability_two_random_records_match"])
    return LinkageModel(
        splink_settings=_tidy(trained),
        records=records,
        matches_per_record=prior * (records - 1),
        trained={
            "on": description or f"{records:,} records",
            "records": records,
            "seed": seed,
            "u_pairs": int(u_pairs),
            "rules_recall": rules_recall,
            "date": dt.date.today().isoformat(),
        },
    )


# The least share of true matches assumed to fall in any level. Synthetic training
# data has no slips of some kinds (a wrong sex, a mistyped digit in a date of birth),
# so EM sees none and would call them impossible: one wrong sex would then forbid a
# link forever. Real records do carry such slips, about one in a few hundred.
M_FLOOR = 0.002


def _finish(settings: dict[str, Any], *, prepared: pd.DataFrame, u_pairs: float) -> dict[str, Any]:
    """Complete what training leaves open, by rules a reviewer can check.

    - Splink drops our comparison descriptions (CustomComparison has none): restore.
    - A level random sampling never met gets u = 1 / u_pairs, the most it could be
      and still go unseen; "same identifier" gets 1 / (records carrying one), the
      chance two records share a value when each person has their own.
    - An identifier EM never saw agree (a borough's pupils are at one school each,
      so no two records share a UPN) borrows the NHS number's m: the same kind of
      evidence, a checked number.
    - Every level's m is at least M_FLOOR, then renormalised.
    - Swapped names are weighed once, under first name: the family-name level is
      set to weigh nothing (m = u), since counting it twice would make a swap worth
      twice an exact match.
    """
    finished = deepcopy(settings)
    described = {c["output_column_name"]: c for c in comparisons(())}
    described.update({c["output_column_name"]: c for c in comparisons()})
    by_name = {c["output_column_name"]: c for c in finished["comparisons"]}
    nhs = by_name.get("nhs_number")
    for name, comparison in by_name.items():
        comparison["comparison_description"] = described[name]["comparison_description"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        identifier = name in IDENTIFIERS
        for level in levels:
            if level.get("u_probability") is None:
                carried = int(prepared[name].notna().sum()) if identifier else 0
                exact = identifier and level["label_for_charts"].startswith("Same")
                level["u_probability"] = 1.0 / carried if exact and carried else 1.0 / u_pairs
        if identifier and any(lv.get("m_probability") is None for lv in levels):
            source = nhs if nhs is not None and nhs is not comparison else None
            donor = (
                [
                    lv.get("m_probability")
                    for lv in source["comparison_levels"]
                    if not lv.get("is_null_level")
                ]
                if source is not None
                else [0.99, 0.01]
            )
            for level, m in zip(levels, donor, strict=True):
                level["m_probability"] = m
        for level in levels:
            level["m_probability"] = max(level.get("m_probability") or 0.0, M_FLOOR)
        total = sum(level["m_probability"] for level in levels)
        for level in levels:
            level["m_probability"] /= total
    family = by_name.get("family_name")
    if family is not None:
        for level in family["comparison_levels"]:
            if level["label_for_charts"].startswith("Family name given as"):
                level["m_probability"] = level["u_probability"]
                level["label_for_charts"] = (
                    "Family name given as the first name (weighed under first name)"
                )
    return finished


def _tidy(settings: dict[str, Any]) -> dict[str, Any]:
    """Drop Splink's per-run identifiers so the file changes only when the model does."""
    tidy = deepcopy(settings)
    tidy.pop("linker_uid", None)
    tidy.pop("sql_dialect", None)
    return tidy


# ---------------------------------------------------------------- the file


def as_document(model: LinkageModel) -> dict[str, Any]:
    """The model as the JSON document saved in the repository."""
    return {
        "format": FORMAT,
        "about": (
            "Lantern's record linkage model. splink_settings is Splink's own settings "
            "dictionary (DuckDB SQL): each comparison's levels run from strongest "
            "agreement to 'different', each with a label, m (how often true matches "
            "fall in the level) and u (how often chance pairs do). A level's weight "
            "is log2(m/u)."
        ),
        "trained": model.trained,
        "records": model.records,
        "matches_per_record": model.matches_per_record,
        "weights": _weights_table(model),
        "splink_settings": model.splink_settings,
    }


def _weights_table(model: LinkageModel) -> dict[str, dict[str, float | None]]:
    """The weight of every level, rounded, for a reviewer reading the file."""
    table: dict[str, dict[str, float | None]] = {}
    for spec in model.splink_settings["comparisons"]:
        rows: dict[str, float | None] = {}
        for level in spec["comparison_levels"]:
            if level.get("is_null_level"):
                rows[level["label_for_charts"]] = 0.0
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            rows[level["label_for_charts"]] = round(math.log2(m / u), 2) if m and u else None
        table[spec["output_column_name"]] = rows
    return table


def save(model: LinkageModel, path: Path | str = DEFAULT_PATH) -> Path:
    """Write the model as pretty-printed JSON (stable key order, so diffs are small)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(as_document(model), indent=2) + "\n", encoding="utf-8")
    return target


def load(path: Path | str = DEFAULT_PATH) -> LinkageModel:
    """Read a saved model; refuses a file in another format rather than guessing."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    if document.get("format") != FORMAT:
        raise ValueError(f"{path} is not a Lantern linkage model ({FORMAT}).")
    settings = document["splink_settings"]
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level") and (
                level.get("m_probability") is None or level.get("u_probability") is None
            ):
                raise ValueError(
                    f"{path}: level '{level.get('label_for_charts')}' has no m or u: "
                    "the model is not fully trained."
                )
    return LinkageModel(
        splink_settings=settings,
        records=int(document["records"]),
        matches_per_record=float(document["matches_per_record"]),
        trained=document.get("trained", {}),
    )
