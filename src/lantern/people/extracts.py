"""Agency extracts: a CSV file of source records, loaded overnight, reported row by row.

A data manager loads a school's or a police force's extract of tens of thousands
of records. One bad row must not stop the other 49,999, and no row may be half
saved: each row is checked, then written in a savepoint of its own. The report
names every row that was refused or taken with a warning, the column, and why.

Identifiers whose check digit fails are kept with their problem (the agency sent
them, and someone may need to correct them) but never trusted: linkage ignores
them, so nothing is linked on a failed identifier check.

Columns (a header row is required; order does not matter; names are case-blind):

    local_id, given_name, family_name             required
    other_names, date_of_birth, sex               optional
    address_line1, address_line2, town, postcode  optional (line 1, town and postcode together)
    nhs_number, upn, pnc_id                       optional

Dates are YYYY-MM-DD or DD/MM/YYYY. The file must be UTF-8 (a byte-order mark is fine).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from .identifiers import IdentifierError, validate_identifier
from .models import Sex
from .services import AddressIn, SourceRecordIn, agency_resolve, source_record_receive

REQUIRED = ("local_id", "given_name", "family_name")
OPTIONAL = (
    "other_names",
    "date_of_birth",
    "sex",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "nhs_number",
    "upn",
    "pnc_id",
)
IDENTIFIERS = ("nhs_number", "upn", "pnc_id")
SEX_WORDS = {
    "m": Sex.MALE,
    "male": Sex.MALE,
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "u": Sex.UNKNOWN,
    "unknown": Sex.UNKNOWN,
    "": Sex.UNKNOWN,
}
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class ExtractError(Exception):
    """The whole file cannot be read (no header, a required column missing)."""


@dataclass(frozen=True)
class RowProblem:
    row: int  # the line number in the file, the header being line 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.message}"


@dataclass
class ExtractReport:
    rows: int = 0
    loaded: int = 0
    refused: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    record_ids: list[int] = field(default_factory=list)

    @property
    def refused_rows(self) -> int:
        return len({p.row for p in self.refused})


def _lines(data: bytes) -> Iterator[tuple[int, str | None, str]]:
    """(line number, text or None, problem) for each line, decoded one by one so that a
    stray Windows-1252 byte spoils only its own row."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            yield number, raw.decode("utf-8"), ""
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            yield (
                number,
                None,
                f"is not UTF-8 text (byte 0x{bad} at position {exc.start + 1}); "
                "export the file as UTF-8",
            )


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    found = _UK_DATE.match(text)
    try:
        if found:
            day, month, year = (int(g) for g in found.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date ({exc})") from None


def _record(values: dict[str, str], problems: list[RowProblem], row: int) -> SourceRecordIn:
    def problem(column: str, message: str) -> None:
        problems.append(RowProblem(row, column, message))

    try:
        dob = _date(values.get("date_of_birth", ""))
    except ValueError as exc:
        problem("date_of_birth", str(exc))
        dob = None
    sex = SEX_WORDS.get(values.get("sex", "").strip().lower())
    if sex is None:
        problem("sex", f"{values['sex']!r} is not one of M, F, U")
    line1, town = values.get("address_line1", "").strip(), values.get("town", "").strip()
    postcode = values.get("postcode", "").strip()
    addresses = ()
    if line1 or town or postcode:
        addresses = (
            AddressIn(
                line1=line1, line2=values.get("address_line2", ""), town=town, postcode=postcode
            ),
        )
    return SourceRecordIn(
        local_id=values.get("local_id", ""),
        given_name=values.get("given_name", ""),
        family_name=values.get("family_name", ""),
        other_names=values.get("other_names", ""),
        date_of_birth=dob,
        sex=sex or Sex.UNKNOWN,
        identifiers={s: values[s] for s in IDENTIFIERS if values.get(s, "").strip()},
        addresses=addresses,
    )


def extract_load(
    *,
    actor,
    agency,
    data: bytes,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ExtractReport:
    """Check every row of the extract and load the good ones (none when `dry_run`)."""
    agency = agency_resolve(agency)
    lines = _lines(data)
    header_line = next(lines, None)
    if header_line is None or not (header_line[1] or "").strip():
        raise ExtractError("The file is empty: the first line must name the columns")
    if header_line[1] is None:
        raise ExtractError(f"The header row {header_line[2]}")
    header = [h.strip().lower() for h in next(csv.reader([header_line[1]]))]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ExtractError(
            f"The file has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}: "
            f"the header row must name {', '.join(REQUIRED)} (it names {', '.join(header)})"
        )
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    report = ExtractReport()
    if unknown:
        report.warnings.append(
            RowProblem(1, ", ".join(unknown), "not a column Lantern reads; ignored")
        )
    for number, text, problem in lines:
        if text is not None and not text.strip():
            continue
        report.rows += 1
        if progress:
            progress(1)
        if text is None:
            report.refused.append(RowProblem(number, "row", f"Row {problem}"))
            continue
        cells = next(csv.reader([text]), [])
        if len(cells) != len(header):
            report.refused.append(
                RowProblem(
                    number, "row", f"has {len(cells)} values but the header names {len(header)}"
                )
            )
            continue
        values = dict(zip(header, cells, strict=True))
        problems: list[RowProblem] = []
        record = _record(values, problems, number)
        if problems:
            report.refused.extend(problems)
            continue
        for scheme in IDENTIFIERS:
            raw = values.get(scheme, "").strip()
            if raw:
                try:
                    validate_identifier(scheme, raw)
                except IdentifierError as exc:
                    report.warnings.append(
                        RowProblem(number, scheme, f"{exc.message}; kept but never used to link")
                    )
        try:
            with transaction.atomic():
                source = source_record_receive(
                    actor=actor,
                    agency=agency,
                    record=record,
                    raw=values,
                    refuse_invalid_identifiers=False,
                )
                if dry_run:
                    transaction.set_rollback(True)
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                report.refused.extend(RowProblem(number, column, m) for m in messages)
            continue
        report.loaded += 1
        if not dry_run:
            report.record_ids.append(source.pk)
    return report


def report_csv(report: ExtractReport) -> str:
    """The problems as CSV (row, column, outcome, message), for the data manager."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "outcome", "message"])
    for outcome, problems in (("refused", report.refused), ("warning", report.warnings)):
        for p in problems:
            writer.writerow([p.row, p.column, outcome, p.message])
    return out.getvalue()
