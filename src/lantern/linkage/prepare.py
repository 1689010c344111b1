"""Standard forms of the details agencies record, so that like compares with like.

Agencies spell the same child differently: "Smith-Jones" and "SMITH JONES",
"Zoë" and "Zoe", "Mr William O'Neil" and "Bill Oneil", 03/04 and 04/03. The model
should weigh real disagreements, not typography, so every value is reduced to a
standard form first. Identifiers reach this module already checked: the raw frame
carries only identifiers whose check digit held (a failed check is no evidence).

Everything here is plain Python and pandas. Columnar work maps each distinct value
once (a borough has a few thousand distinct names among a million records), so
preparing a million records takes seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Hashable
from functools import cache, lru_cache
from pathlib import Path

import jellyfish
import numpy as np
import pandas as pd

from lantern.people.identifiers import IdentifierError, validate_pnc_id, validate_postcode

NICKNAMES_FILE = Path(__file__).resolve().parent.parent / "people" / "data" / "nicknames.csv"
NAME_SEX_FILE = Path(__file__).resolve().parent / "data" / "given_name_sex.csv"

IDENTIFIERS = ("nhs_number", "upn", "pnc_id")  # trusted only when their check holds

RAW_COLUMNS = (
    "unique_id",
    "source_dataset",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "nhs_number",
    "upn",
    "pnc_id",
)

# The columns the model reads. Names are keys (letters only); `given_forms` lists
# every formal name a given name may stand for, so "Harry" meets "Henry".
PREPARED_COLUMNS = (
    "unique_id",
    "source_dataset",
    "given_name",
    "family_name",
    "given_canonical",
    "given_forms",
    "given_initial",
    "family_phonetic",
    "date_of_birth",
    "dob_swapped",
    "dob_year",
    "sex",
    "postcode",
    "postcode_district",
    "address_key",
    "nhs_number",
    "upn",
    "pnc_id",
)

TITLES = frozenset("mr mrs miss ms mx dr master sir dame lady lord rev revd prof fr sr".split())
_APOSTROPHES = "'\u2019\u2018`\u00b4"
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014"
_NOT_LETTER = re.compile(r"[^a-z ]+")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")

# Common street words written short; only whole words are expanded.
STREET_WORDS = {
    "rd": "road",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "cl": "close",
    "ct": "court",
    "cres": "crescent",
    "dr": "drive",
    "gdns": "gardens",
    "gr": "grove",
    "gro": "grove",
    "pl": "place",
    "sq": "square",
    "terr": "terrace",
    "tce": "terrace",
    "wk": "walk",
    "hse": "house",
    "apt": "flat",
    "apartment": "flat",
}


# ---------------------------------------------------------------- text


def _ascii_lower(text: str) -> str:
    """Lower case with accents dropped ("Zoë" -> "zoe"); letters outside Latin are kept."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def standard_name(text: str | None) -> str | None:
    """A name as words: lower case, no accents, no titles, apostrophes dropped, hyphens
    as spaces. "Mrs Zoë O'Neil-Smith" -> "zoe oneil smith". None when nothing is left.

    Apostrophes are dropped rather than spaced because "O'Neil" is written "Oneil"
    far more often than "O Neil"; hyphens become spaces because double-barrelled names
    are written both ways.
    """
    text = _blank(text)
    if text is None:
        return None
    cleaned = _ascii_lower(text)
    cleaned = cleaned.translate({ord(c): None for c in _APOSTROPHES})
    cleaned = cleaned.translate({ord(c): " " for c in _HYPHENS + ".,"})
    cleaned = _SPACES.sub(" ", _NOT_LETTER.sub(" ", cleaned)).strip()
    words = cleaned.split()
    while len(words) > 1 and words[0] in TITLES:
        words = words[1:]
    return " ".join(words) or None


@lru_cache(maxsize=200_000)
def name_key(text: str | None) -> str | None:
    """The compared form of a name: its standard words run together.

    "Smith-Jones", "smith jones" and "SMITHJONES" all give "smithjones", and
    "O'Neil" and "Oneil" give "oneil"; a middle name typed into the given-name box
    ("Mary Jane") stays, and costs only a close rather than an exact match.
    """
    words = standard_name(text)
    return words.replace(" ", "") if words else None


# ---------------------------------------------------------------- nicknames


@cache
def _nickname_tables() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """(short form -> the formal names it may stand for, the set of formal names)."""
    formal_of: dict[str, set[str]] = {}
    formals: set[str] = set()
    with NICKNAMES_FILE.open(encoding="utf-8") as handle:
        for row in csv.reader(line for line in handle if not line.startswith("#")):
            names = [key for key in (name_key(cell) for cell in row) if key]
            if not names:
                continue
            formal, shorts = names[0], names[1:]
            formals.add(formal)
            for short in shorts:
                formal_of.setdefault(short, set()).add(formal)
    return {k: frozenset(v) for k, v in formal_of.items()}, frozenset(formals)


@cache
def _formal_sex() -> dict[str, str]:
    """The usual sex of the formal names that share a short form (Alex, Sam, Charlie)."""
    table: dict[str, str] = {}
    with NAME_SEX_FILE.open(encoding="utf-8") as handle:
        for row in csv.reader(line for line in handle if not line.startswith("#")):
            if len(row) >= 2 and row[0].strip():
                table[row[0].strip().lower()] = row[1].strip().upper()
    return table


def given_forms(name: str | None) -> tuple[str, ...]:
    """The name itself and every formal name it may be short for, sorted.

    "harry" -> ("harry", "henry"): Harry is a name in its own right and short for
    Henry. Two given names are nickname-equivalent when their forms overlap, so
    "Hal" meets both, but "Alexander" never meets "Alexandra".
    """
    key = name_key(name)
    if not key:
        return ()
    formal_of, _ = _nickname_tables()
    return tuple(sorted({key, *formal_of.get(key, ())}))


def canonical_given(name: str | None, sex: str | None = None) -> str | None:
    """The formal name a given name stands for: "Bill" -> "william", "Liz" -> "elizabeth".

    A formal name stays itself ("harry" stays "harry", though Harry is also short for
    Henry). A short form shared by several formal names is resolved only when the
    record's sex settles it ("alex" with sex F -> "alexandra"); otherwise it stays
    itself ("ted" could be Edward or Theodore). We never guess: a wrong canonical
    name would join two different people in one block and in one nickname level.
    """
    key = name_key(name)
    if not key:
        return None
    formal_of, formals = _nickname_tables()
    if key in formals:
        return key
    candidates = formal_of.get(key)
    if not candidates:
        return key
    if len(candidates) == 1:
        return next(iter(candidates))
    if sex in ("M", "F"):
        sexes = _formal_sex()
        fitting = [c for c in candidates if sexes.get(c) == sex]
        if len(fitting) == 1:
            return fitting[0]
    return key


@lru_cache(maxsize=200_000)
def phonetic(key: str | None) -> str | None:
    """A sound-alike code for blocking (Double Metaphone's simpler cousin, Metaphone).

    Used only to choose which pairs to compare, never as evidence: "Thompson" and
    "Thomson" share a code, so a typo in the family name still meets its match.
    """
    if not key:
        return None
    return jellyfish.metaphone(key) or key


# ---------------------------------------------------------------- dates


def standard_date(text: str | dt.date | None) -> str | None:
    """ISO 'YYYY-MM-DD' for a real calendar date, else None (31 February is no evidence)."""
    if isinstance(text, dt.datetime):
        return None if pd.isna(text) else text.date().isoformat()
    if isinstance(text, dt.date):
        return text.isoformat()
    value = _blank(text)
    if value is None:
        return None
    if len(value) == 8 and value.isdigit():  # YYYYMMDD, as some extracts send it
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def dob_parts(iso: str | None) -> dict[str, str | None]:
    """The parts of a date of birth the model compares.

    `dob_swapped` is the date with day and month exchanged, when that is a different
    real date (12 March <-> 3 December): the commonest slip between UK and US forms.
    """
    if not iso:
        return {"date_of_birth": None, "dob_swapped": None, "dob_year": None}
    year, month, day = iso[:4], iso[5:7], iso[8:10]
    swapped = None
    if day != month and int(day) <= 12:
        swapped = f"{year}-{day}-{month}"
    return {"date_of_birth": iso, "dob_swapped": swapped, "dob_year": year}


# ---------------------------------------------------------------- places


def standard_postcode(text: str | None) -> str | None:
    """A UK postcode as "OUTWARD INWARD"; anything else as upper-case letters and digits.

    A postcode that fails the UK format (a typo, or another country's code in a
    benchmark) is still compared exactly: it can only ever agree with the same text.
    """
    raw = _blank(text)
    if raw is None:
        return None
    try:
        return validate_postcode(raw)
    except IdentifierError:
        compact = re.sub(r"[^A-Z0-9]", "", _ascii_lower(raw).upper())
        return compact or None


def postcode_district(postcode: str | None) -> str | None:
    """The outward code ("KF8" of "KF8 2QH"): a few streets together. None if not UK."""
    if not postcode or " " not in postcode:
        return None
    return postcode.split(" ", 1)[0]


def address_key(text: str | None) -> str | None:
    """The first line of an address, standardised: "Flat 1, 100 Hawthorn Gr." ->
    "flat 1 100 hawthorn grove". Only compared together with the postcode."""
    text = _blank(text)
    if text is None:
        return None
    cleaned = _ascii_lower(text).translate({ord(c): None for c in _APOSTROPHES})
    cleaned = _SPACES.sub(" ", _NOT_WORD.sub(" ", cleaned)).strip()
    words = [STREET_WORDS.get(word, word) for word in cleaned.split()]
    return " ".join(words) or None


# ---------------------------------------------------------------- identifiers

_UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
_CHAR_VALUE = np.full(256, -1, dtype=np.int64)
_CHAR_VALUE[48:58] = np.arange(10)
for _index, _letter in enumerate(_UPN_ALPHABET):
    _CHAR_VALUE[ord(_letter)] = _index


def _as_bytes(values: pd.Series, width: int) -> np.ndarray:
    """Strings of one width as a (n, width) array of byte values; a character outside
    ASCII becomes "?" (which no identifier contains), so the width holds."""
    joined = "".join(values.tolist()).encode("ascii", errors="replace")
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, width).astype(np.int64)


def _nhs_holds(values: pd.Series) -> np.ndarray:
    """Modulus 11 check of 10-digit NHS numbers, column-wise (people.identifiers has
    the rule; this is the same rule for a million values at once)."""
    holds = np.zeros(len(values), dtype=bool)
    shaped = (values.str.len() == 10).to_numpy()
    if shaped.any():
        digits = _as_bytes(values[shaped], 10) - 48
        all_digits = ((digits >= 0) & (digits <= 9)).all(axis=1)
        total = digits[:, :9] @ np.arange(10, 1, -1)
        check = (11 - total % 11) % 11
        holds[shaped] = all_digits & (check != 10) & (check == digits[:, 9])
    return holds


def _upn_holds(values: pd.Series) -> np.ndarray:
    """Check letter of unique pupil numbers, column-wise (see people.identifiers)."""
    holds = np.zeros(len(values), dtype=bool)
    shaped = (values.str.len() == 13).to_numpy()
    if shaped.any():
        raw = _as_bytes(values[shaped], 13)
        chars = _CHAR_VALUE[raw]
        digit = (raw >= 48) & (raw <= 57)
        letter = (chars >= 0) & ~digit
        form = letter[:, 0] & digit[:, 1:12].all(axis=1) & (chars[:, 12] >= 0)
        total = chars[:, 1:] @ np.arange(2, 14)
        holds[shaped] = form & (chars[:, 0] == total % 23)
    return holds


def _pnc_holds(values: pd.Series) -> np.ndarray:
    def holds(value: str) -> bool:
        try:
            return validate_pnc_id(value) == value
        except IdentifierError:
            return False

    return np.array(_derive(values, {"ok": holds})["ok"], dtype=bool)


def checked_identifiers(prepared: pd.DataFrame) -> pd.DataFrame:
    """The prepared frame's identifiers with every value whose check fails set to None.

    The raw frame should carry only valid identifiers, and the model compares them as
    given. But the rules that read two different identifiers as two different people
    (twins in one home; a cluster holding two NHS numbers) must not be fooled by a
    number that merely has a typo, as a benchmark's unchecked numbers may: they read
    this checked copy. NHS numbers and UPNs are checked column-wise in numpy (a
    million in well under a second); PNC IDs, rarer, one distinct value at a time.
    """
    out = pd.DataFrame(index=prepared.index)
    for column, holds in (("nhs_number", _nhs_holds), ("upn", _upn_holds), ("pnc_id", _pnc_holds)):
        values = prepared[column]
        present = values.notna()
        if not present.any():
            out[column] = values
            continue
        ok = np.zeros(len(values), dtype=bool)
        ok[present.to_numpy()] = holds(values[present].astype(str))
        out[column] = values.where(ok, None)
    return out


# ---------------------------------------------------------------- the frame


def _derive(
    series: pd.Series, functions: dict[str, Callable[[Hashable], object]]
) -> dict[str, np.ndarray]:
    """Apply each function once per distinct value of `series`: names, dates and
    postcodes repeat a lot, so a million records need only thousands of calls, and
    one factorisation serves every column derived from the same raw value. A missing
    value gives None."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    derived = {}
    for name, function in functions.items():
        lookup = np.empty(len(uniques) + 1, dtype=object)
        lookup[:-1] = [function(value) for value in uniques]
        lookup[-1] = None  # code -1: missing
        derived[name] = lookup[codes]
    return derived


def prepare_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The raw frame (see RAW_COLUMNS) as the model's input columns (PREPARED_COLUMNS).

    Missing optional columns are treated as empty, so a benchmark without UPNs or
    addresses still prepares. Identifiers are trusted as given: the raw frame holds
    only those whose check digit held.
    """
    missing = {"unique_id", "given_name", "family_name"} - set(frame.columns)
    if missing:
        raise ValueError(f"The frame has no {', '.join(sorted(missing))} column.")
    size = len(frame)

    def column(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name].reset_index(drop=True)
        return pd.Series([None] * size, dtype=object)

    out: dict[str, object] = {}
    # Integer ids stay integers (a benchmark's, or primary keys); anything else is text.
    unique_id = column("unique_id")
    if not pd.api.types.is_integer_dtype(unique_id):
        unique_id = unique_id.astype(str)
    if unique_id.duplicated().any():
        raise ValueError("unique_id must be unique within the frame.")
    out["unique_id"] = unique_id.to_numpy()
    out["source_dataset"] = column("source_dataset").fillna("").astype(str).to_numpy(dtype=object)

    sex = _derive(column("sex"), {"sex": _sex})["sex"]
    # Canonical forms depend on sex only for short forms two formal names share, so
    # each distinct name is resolved three ways (unknown, M, F) and picked per record.
    given = _derive(
        column("given_name"),
        {
            "key": lambda v: name_key(_blank(v)),
            "forms": lambda v: list(given_forms(_blank(v))) or None,
            "canonical": lambda v: canonical_given(_blank(v)),
            "canonical_m": lambda v: canonical_given(_blank(v), "M"),
            "canonical_f": lambda v: canonical_given(_blank(v), "F"),
        },
    )
    out["given_name"] = given["key"]
    out["given_canonical"] = np.where(
        sex == "M",
        given["canonical_m"],
        np.where(sex == "F", given["canonical_f"], given["canonical"]),
    )
    out["given_forms"] = given["forms"]
    out["given_initial"] = np.array([k[:1] if k else None for k in given["key"]], dtype=object)
    family = _derive(
        column("family_name"),
        {"key": lambda v: name_key(_blank(v)), "phonetic": lambda v: phonetic(name_key(_blank(v)))},
    )
    out["family_name"] = family["key"]
    out["family_phonetic"] = family["phonetic"]

    dob = _derive(
        column("date_of_birth"),
        {
            part: (lambda v, part=part: dob_parts(standard_date(_blank(v)))[part])
            for part in ("date_of_birth", "dob_swapped", "dob_year")
        },
    )
    out.update(dob)
    out["sex"] = sex

    postcode = _derive(
        column("postcode"),
        {
            "postcode": lambda v: standard_postcode(_blank(v)),
            "district": lambda v: postcode_district(standard_postcode(_blank(v))),
        },
    )
    out["postcode"] = postcode["postcode"]
    out["postcode_district"] = postcode["district"]
    out["address_key"] = _derive(column("address"), {"a": lambda v: address_key(_blank(v))})["a"]
    for identifier in IDENTIFIERS:
        # Nearly every identifier is distinct and arrives checked and normalised, so
        # only blanks are tidied, column-wise.
        values = column(identifier).astype(object)
        out[identifier] = values.where(values.notna() & (values != ""), None).to_numpy()
    return pd.DataFrame({name: out[name] for name in PREPARED_COLUMNS})


def _sex(value: object) -> str | None:
    text = str(value).strip().upper()[:1] if value is not None else ""
    return text if text in ("M", "F") else None


def _blank(value: object) -> str | None:
    """Text, or None for anything empty or missing (None, NaN, pandas' NA, NaT)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value).strip() or None


def _identifier(value: object) -> object:
    """As prepare_frame treats identifiers: as given, with a blank or missing as None."""
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value


def prepare_record(record: dict) -> dict:
    """One raw record (a dict in the raw schema) in prepared form, without pandas.

    The front door prepares one query and a few hundred candidates per search, where
    building a DataFrame would cost more than the scoring. Gives exactly what
    `prepare_frame` gives for the same record.
    """
    sex = _sex(record.get("sex"))
    given = name_key(_blank(record.get("given_name")))
    family = name_key(_blank(record.get("family_name")))
    postcode = standard_postcode(_blank(record.get("postcode")))
    prepared = {
        "unique_id": str(record.get("unique_id") if record.get("unique_id") is not None else ""),
        "source_dataset": str(record.get("source_dataset") or ""),
        "given_name": given,
        "family_name": family,
        "given_canonical": canonical_given(given, sex),
        "given_forms": list(given_forms(given)) or None,
        "given_initial": given[:1] if given else None,
        "family_phonetic": phonetic(family),
        **dob_parts(standard_date(_blank(record.get("date_of_birth")))),
        "sex": sex,
        "postcode": postcode,
        "postcode_district": postcode_district(postcode),
        "address_key": address_key(_blank(record.get("address"))),
        "nhs_number": _identifier(record.get("nhs_number")),
        "upn": _identifier(record.get("upn")),
        "pnc_id": _identifier(record.get("pnc_id")),
    }
    return {column: prepared[column] for column in PREPARED_COLUMNS}
