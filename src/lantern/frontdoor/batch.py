"""Referrals in a batch: an agency's CSV file of referrals, loaded row by row.

A police force or a school may send the day's referrals as one file. Each row is
checked and made by the same service as the form (`referral_make`), in a savepoint of
its own, so a bad row is refused with its reason and never half saved, and the good
rows load.

Columns (a header row is required; order does not matter; names are case-blind):

    received_at, given_name, family_name, concern, categories, consent, referrer_name
                                                          required
    other_names, date_of_birth, sex, address_line1, town, postcode,
    nhs_number, upn, pnc_id, lawful_basis, lawful_basis_reason, referrer_phone
                                                          optional

received_at is a date and time (2026-11-02 09:30, or 02/11/2026 09:30), in UK time
unless it says otherwise; date_of_birth is YYYY-MM-DD or DD/MM/YYYY; categories are
codes separated by semicolons; consent is yes or no.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from lantern.people.services import agency_resolve

from .models import Channel
from .services import ReferralIn, referral_make

REQUIRED = (
    "received_at",
    "given_name",
    "family_name",
    "concern",
    "categories",
    "consent",
    "referrer_name",
)
OPTIONAL = (
    "other_names",
    "date_of_birth",
    "sex",
    "address_line1",
    "town",
    "postcode",
    "nhs_number",
    "upn",
    "pnc_id",
    "lawful_basis",
    "lawful_basis_reason",
    "referrer_phone",
)
IDENTIFIERS = ("nhs_number", "upn", "pnc_id")
LONDON = ZoneInfo("Europe/London")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2}))?$")
YES = {"yes", "y", "true"}
NO = {"no", "n", "false"}
SEXES = {"m": "M", "male": "M", "f": "F", "female": "F", "u": "U", "unknown": "U", "": "U"}


class BatchError(Exception):
    """The whole file cannot be read: no header, or a required column missing."""


@dataclass(frozen=True)
class RowOutcome:
    row: int  # the line in the file, the header being line 1
    column: str
    message: str
    loaded: bool = False

    def __str__(self) -> str:
        if self.loaded:
            return f"Row {self.row}: {self.message}"
        return f"Row {self.row}, {self.column}: {self.message}"


@dataclass
class BatchReport:
    rows: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return sum(1 for o in self.outcomes if o.loaded)

    @property
    def refused_rows(self) -> int:
        return len({o.row for o in self.outcomes if not o.loaded})


def _moment(text: str) -> dt.datetime:
    text = text.strip()
    found = _UK_DATE.match(text)
    try:
        if found:
            day, month, year, hour, minute = found.groups()
            value = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
        else:
            value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time like 2026-11-02 09:30") from None
    return value.replace(tzinfo=LONDON) if value.tzinfo is None else value


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    found = _UK_DATE.match(text)
    try:
        if found and found.group(4) is None:
            day, month, year = (int(g) for g in found.groups()[:3])
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None


def _row(values: dict[str, str]) -> tuple[ReferralIn | None, list[tuple[str, str]]]:
    """The referral a row describes, or the problems that stop it being read."""
    problems = []
    received_at = date_of_birth = consent = None
    try:
        received_at = _moment(values["received_at"])
    except ValueError as exc:
        problems.append(("received_at", str(exc)))
    try:
        date_of_birth = _date(values.get("date_of_birth", ""))
    except ValueError as exc:
        problems.append(("date_of_birth", str(exc)))
    answer = values["consent"].strip().lower()
    if answer in YES | NO:
        consent = answer in YES
    else:
        problems.append(("consent", f"{values['consent']!r} is not yes or no"))
    sex = SEXES.get(values.get("sex", "").strip().lower())
    if sex is None:
        problems.append(("sex", f"{values['sex']!r} is not one of M, F, U"))
    if problems:
        return None, problems
    return (
        ReferralIn(
            given_name=values["given_name"],
            family_name=values["family_name"],
            other_names=values.get("other_names", ""),
            date_of_birth=date_of_birth,
            sex=sex,
            address_line1=values.get("address_line1", ""),
            town=values.get("town", ""),
            postcode=values.get("postcode", ""),
            identifiers={s: values[s] for s in IDENTIFIERS if values.get(s, "").strip()},
            concern=values["concern"],
            categories=[c.strip() for c in values["categories"].split(";") if c.strip()],
            consent=consent,
            lawful_basis=values.get("lawful_basis", "").strip(),
            lawful_basis_reason=values.get("lawful_basis_reason", ""),
            referrer_name=values["referrer_name"],
            referrer_phone=values.get("referrer_phone", ""),
            received_at=received_at,
        ),
        [],
    )


def _unreadable(cells: list[str]) -> bool:
    """A row holding bytes that are not UTF-8 (kept as surrogates when the file was read)."""
    try:
        "".join(cells).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def referrals_load(*, agency, data: bytes, dry_run: bool = False) -> BatchReport:
    """Check every row and make a referral of each good one (none when `dry_run`).

    The file is read as CSV from first to last, so a quoted concern may run over several
    lines; a row is named by the line it starts on. Bytes that are not UTF-8 make their
    own row refused, not the file."""
    agency = agency_resolve(agency)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header_cells = next(reader, [])
    except csv.Error as exc:
        raise BatchError(f"The header row cannot be read as CSV: {exc}") from None
    if not any(c.strip() for c in header_cells):
        raise BatchError("The file is empty: the first line must name the columns")
    if _unreadable(header_cells):
        raise BatchError("The header row is not UTF-8 text: export the file as UTF-8")
    header = [h.strip().lower() for h in header_cells]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BatchError(
            f"The file has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}: "
            f"the header row must name {', '.join(REQUIRED)}"
        )
    report = BatchReport()
    while True:
        number = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.rows += 1
            report.outcomes.append(RowOutcome(number, "row", f"cannot be read as CSV: {exc}"))
            break  # the reader cannot find where the next row starts
        if not any(c.strip() for c in cells):
            continue
        report.rows += 1
        if _unreadable(cells):
            report.outcomes.append(RowOutcome(number, "row", "is not UTF-8 text"))
            continue
        if len(cells) != len(header):
            report.outcomes.append(
                RowOutcome(
                    number, "row", f"has {len(cells)} values; the header names {len(header)}"
                )
            )
            continue
        values = dict(zip(header, cells, strict=True))
        given, problems = _row(values)
        if given is None:
            report.outcomes.extend(RowOutcome(number, c, m) for c, m in problems)
            continue
        try:
            with transaction.atomic():
                referral = referral_make(
                    actor=None, agency=agency, data=given, channel=Channel.BATCH
                )
                if dry_run:
                    transaction.set_rollback(True)
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                report.outcomes.extend(RowOutcome(number, column, m) for m in messages)
            continue
        message = "would load" if dry_run else f"loaded as {referral.reference}"
        report.outcomes.append(RowOutcome(number, "", message, loaded=True))
    return report
