"""Check and tidy the UK identifiers Lantern records about people.

Every validator takes what someone typed, returns the identifier in one canonical
form, or raises IdentifierError with a message that can be shown to the person
who typed it. The module is plain Python so that forms, models, the API and
bulk imports can all share it; they turn IdentifierError into their own errors.

Covered: NHS number, unique pupil number (UPN), Police National Computer ID
(PNC ID) and UK postcode (format only: a well-formed postcode may not exist).
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = [
    "VALIDATORS",
    "IdentifierError",
    "format_nhs_number",
    "make_pnc_id",
    "make_upn",
    "nhs_check_digit",
    "normalise_nhs_number",
    "pnc_check_letter",
    "postcode_outward",
    "upn_check_letter",
    "validate_identifier",
    "validate_nhs_number",
    "validate_pnc_id",
    "validate_postcode",
    "validate_upn",
]


class IdentifierError(ValueError):
    """An identifier that cannot be accepted.

    ``field`` is the identifier's field name (such as ``"nhs_number"``);
    ``message`` says, in plain words, which identifier is wrong and why.
    """

    def __init__(self, field: str, message: str) -> None:
        # Both go into args so the exception survives pickling (task queues).
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return self.message


def _compact(raw: str) -> str:
    """Remove all whitespace, including non-breaking spaces pasted from documents."""
    return "".join(raw.split())


def _shown(raw: str) -> str:
    """What the person typed, tidied and shortened for quoting in a message."""
    text = " ".join(raw.split())
    return text if len(text) <= 24 else text[:24] + "..."


def _is_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 (str.isdigit alone also accepts other scripts' digits)."""
    return text.isascii() and text.isdigit()


# --- NHS number ------------------------------------------------------------

_NHS = "nhs_number"
# Hyphen-minus plus the hyphens and dashes that word processors substitute for it.
_NHS_SEPARATORS = str.maketrans("", "", "-\u2010\u2011\u2012\u2013")


def normalise_nhs_number(raw: str) -> str:
    """Strip spaces and hyphens and return the 10 digits; the check digit is not tested."""
    shown = _shown(raw)
    digits = _compact(raw).translate(_NHS_SEPARATORS)
    if not digits:
        raise IdentifierError(_NHS, "NHS number is empty: enter the 10-digit NHS number.")
    if not _is_digits(digits):
        stray = next(c for c in digits if not _is_digits(c))
        raise IdentifierError(
            _NHS,
            f'NHS number "{shown}" contains "{stray}", which is not a digit: '
            "an NHS number is 10 digits (spaces and hyphens are fine).",
        )
    if len(digits) != 10:
        raise IdentifierError(
            _NHS,
            f'NHS number "{shown}" has {len(digits)} digits: an NHS number has exactly 10.',
        )
    return digits


def nhs_check_digit(first9: str) -> int | None:
    """Modulus 11 check digit for the first nine digits, or None if no NHS number can start so.

    Weights 10 down to 2; check digit = 11 - (weighted sum mod 11), with 11 read
    as 0. A result of 10 is never issued, so those nine digits are unusable.
    """
    if len(first9) != 9 or not _is_digits(first9):
        raise IdentifierError(
            _NHS, f'NHS number check digit needs exactly 9 digits, not "{_shown(first9)}".'
        )
    total = sum(int(d) * w for d, w in zip(first9, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def validate_nhs_number(raw: str) -> str:
    """Return the NHS number as 10 digits, or raise IdentifierError."""
    digits = normalise_nhs_number(raw)
    expected = nhs_check_digit(digits[:9])
    if expected is None:
        raise IdentifierError(
            _NHS,
            f"NHS number {format_nhs_number(digits)} fails its check digit "
            "(no NHS number can begin with these nine digits): check for a mistyped digit.",
        )
    if expected != int(digits[9]):
        raise IdentifierError(
            _NHS,
            f"NHS number {format_nhs_number(digits)} fails its check digit: "
            "check for a mistyped digit or two digits swapped.",
        )
    return digits


def format_nhs_number(s: str) -> str:
    """Display form with 3-3-4 spacing, e.g. "943 476 5919"; the check digit is not tested."""
    digits = normalise_nhs_number(s)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


# --- Unique pupil number (England, DfE) -------------------------------------

_UPN = "upn"
# The 23 letters the DfE uses: A-Z without I, O and S. Index = value, so A=0 ... Z=22.
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _upn_check_letter(body: str, shown: str) -> str:
    """Check letter for a 12-character UPN body; ``shown`` is quoted in any error."""
    for position, char in enumerate(body[:11], start=2):
        if not _is_digits(char):
            raise IdentifierError(
                _UPN,
                f'Unique pupil number "{shown}": character {position} should be a digit '
                f'but is "{char}".',
            )
    last = body[11]
    if not (_is_digits(last) or last in _UPN_LETTERS):
        raise IdentifierError(
            _UPN,
            f'Unique pupil number "{shown}" ends with "{last}": the last character must be '
            "a digit, or for a temporary number a letter other than I, O or S.",
        )
    values = [int(c) for c in body[:11]]
    values.append(int(last) if _is_digits(last) else _UPN_LETTERS.index(last))
    total = sum(v * w for v, w in zip(values, range(2, 14), strict=True))
    return _UPN_LETTERS[total % 23]


def upn_check_letter(body12: str) -> str:
    """Check letter for the 12 characters after it (11 digits, then a digit or a letter).

    Characters 2 to 13 of the UPN are weighted 2 to 13; the sum mod 23 indexes
    "ABCDEFGHJKLMNPQRTUVWXYZ". A temporary UPN's final letter counts as its index
    in that same alphabet (A=0, B=1, ...), as the DfE specifies.
    """
    body = _compact(body12).upper()
    if len(body) != 12:
        raise IdentifierError(
            _UPN,
            f"Unique pupil number check letter needs the 12 characters after it, "
            f'not {len(body)} ("{_shown(body12)}").',
        )
    return _upn_check_letter(body, _shown(body12))


def validate_upn(raw: str) -> str:
    """Return the UPN in upper case without spaces, or raise IdentifierError.

    Accepts permanent UPNs (check letter + 12 digits) and temporary ones
    (check letter + 11 digits + a letter other than I, O or S).
    """
    shown = _shown(raw)
    upn = _compact(raw).upper()
    if not upn:
        raise IdentifierError(_UPN, "Unique pupil number is empty: enter the 13-character UPN.")
    if len(upn) != 13:
        raise IdentifierError(
            _UPN,
            f'Unique pupil number "{shown}" has {len(upn)} characters: it must have 13 '
            "(a check letter, then 12 digits; a temporary UPN ends with a letter).",
        )
    if upn[0] not in _UPN_LETTERS:
        raise IdentifierError(
            _UPN,
            f'Unique pupil number "{shown}" starts with "{upn[0]}": it must start with its '
            "check letter, which is never I, O or S.",
        )
    # The message deliberately does not reveal the expected letter: "fixing" the
    # check letter would hide the mistyped digit it is there to catch.
    if _upn_check_letter(upn[1:], shown) != upn[0]:
        raise IdentifierError(
            _UPN,
            f"Unique pupil number {upn} fails its check letter: "
            "check for a mistyped character or two characters swapped.",
        )
    return upn


def make_upn(la_code: int, estab: int, year: int, serial: int) -> str:
    """Permanent UPN from its parts: LA code (3 digits), establishment (4), year (2), serial (3)."""
    for name, value, largest in (
        ("local authority code", la_code, 999),
        ("establishment number", estab, 9999),
        ("two-digit year", year, 99),
        ("serial number", serial, 999),
    ):
        if not 0 <= value <= largest:
            raise IdentifierError(
                _UPN,
                f"Cannot make a unique pupil number: the {name} must be from 0 to {largest}, "
                f"not {value}.",
            )
    body = f"{la_code:03d}{estab:04d}{year:02d}{serial:03d}"
    return upn_check_letter(body) + body


# --- Police National Computer ID ------------------------------------------

_PNC = "pnc_id"
# Remainder 0 is Z, then 1 is A, 2 is B ... skipping I, O and S.
_PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
_PNC_PATTERN = re.compile(r"([0-9]{2})/([0-9]{1,7})([A-Z])")


def pnc_check_letter(year2: str, serial: str) -> str:
    """Check letter for a PNC ID from its two-digit year and serial (1 to 7 digits).

    The year digits followed by the serial zero-padded to 7 digits are read as one
    number; its remainder mod 23 indexes "ZABCDEFGHJKLMNPQRTUVWXY". This follows the
    criminal justice data standard for the PNC ID (published on the Criminal Justice
    Hub), which also notes that the display form drops the century, so a stored
    four-digit year is not part of the check.
    """
    if len(year2) != 2 or not _is_digits(year2):
        raise IdentifierError(_PNC, f'PNC ID year must be two digits, not "{_shown(year2)}".')
    if not 1 <= len(serial) <= 7 or not _is_digits(serial):
        raise IdentifierError(
            _PNC, f'PNC ID serial number must be 1 to 7 digits, not "{_shown(serial)}".'
        )
    return _PNC_LETTERS[int(year2 + serial.zfill(7)) % 23]


def validate_pnc_id(raw: str) -> str:
    """Return the PNC ID as "YY/NNNNNNNL" (serial zero-padded to 7), or raise IdentifierError.

    Accepts any case, spaces anywhere and a serial with or without leading zeros;
    the slash is required.
    """
    shown = _shown(raw)
    compact = _compact(raw).upper()
    if not compact:
        raise IdentifierError(_PNC, "PNC ID is empty: enter the PNC ID, written YY/NNNNNNNL.")
    match = _PNC_PATTERN.fullmatch(compact)
    if match is None:
        raise IdentifierError(
            _PNC,
            f'PNC ID "{shown}" is not in the format YY/NNNNNNNL: a two-digit year, a slash, '
            "a serial number of up to 7 digits, then a check letter.",
        )
    year, serial, letter = match.groups()
    canonical = f"{year}/{serial.zfill(7)}{letter}"
    if pnc_check_letter(year, serial) != letter:
        raise IdentifierError(
            _PNC,
            f"PNC ID {canonical} fails its check letter: "
            "check the year and serial number for a mistyped digit or two digits swapped.",
        )
    return canonical


def make_pnc_id(year: int, serial: int) -> str:
    """Canonical PNC ID from a two-digit year (0-99) and a serial (0-9999999)."""
    if not 0 <= year <= 99:
        raise IdentifierError(_PNC, f"Cannot make a PNC ID: the year must be 0 to 99, not {year}.")
    if not 0 <= serial <= 9_999_999:
        raise IdentifierError(
            _PNC, f"Cannot make a PNC ID: the serial number must be 0 to 9999999, not {serial}."
        )
    year2, serial7 = f"{year:02d}", f"{serial:07d}"
    return f"{year2}/{serial7}{pnc_check_letter(year2, serial7)}"


# --- UK postcode ------------------------------------------------------------

_POSTCODE = "postcode"
# Outward code: A9, A99, AA9, AA99, A9A or AA9A.
_OUTWARD = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?")
# Inward code: a digit and two letters, never C, I, K, M, O or V.
_INWARD = re.compile(r"[0-9][ABDEFGHJLNPQRSTUWXYZ]{2}")
_GIRO = "GIR0AA"  # the one postcode outside the pattern, kept from the old Girobank


def validate_postcode(raw: str) -> str:
    """Return the postcode as upper case "OUTWARD INWARD" with one space, or raise IdentifierError.

    Checks the shape only: a well-formed postcode may still not exist.
    """
    shown = _shown(raw)
    compact = _compact(raw).upper()
    if not compact:
        raise IdentifierError(_POSTCODE, "Postcode is empty: enter a UK postcode such as SW1A 1AA.")
    stray = next((c for c in compact if not (c.isascii() and c.isalnum())), None)
    if stray is not None:
        raise IdentifierError(
            _POSTCODE,
            f'Postcode "{shown}" contains "{stray}": '
            "a UK postcode has only the letters A to Z, digits and one space.",
        )
    if not 5 <= len(compact) <= 7:
        raise IdentifierError(
            _POSTCODE,
            f'Postcode "{shown}" has {len(compact)} letters and digits: '
            "a UK postcode has 5 to 7, such as SW1A 1AA or M1 1AE.",
        )
    outward, inward = compact[:-3], compact[-3:]
    if compact != _GIRO:
        if not _INWARD.fullmatch(inward):
            raise IdentifierError(
                _POSTCODE,
                f'Postcode "{shown}" does not end with a digit and two letters '
                "(C, I, K, M, O and V are never used there), as in SW1A 1AA.",
            )
        if not _OUTWARD.fullmatch(outward):
            raise IdentifierError(
                _POSTCODE,
                f'Postcode "{shown}" has a first part "{outward}" that is not a UK postcode '
                "district: it should be one or two letters, a digit, then perhaps a digit "
                "or letter, as in M1, B33, CR2, DN55, W1A or EC1A.",
            )
    return f"{outward} {inward}"


def postcode_outward(pc: str) -> str:
    """The outward code (the part before the space) of a valid postcode, e.g. "SW1A"."""
    return validate_postcode(pc).split(" ")[0]


# --- Registry ---------------------------------------------------------------

VALIDATORS: dict[str, Callable[[str], str]] = {
    _NHS: validate_nhs_number,
    _UPN: validate_upn,
    _PNC: validate_pnc_id,
    _POSTCODE: validate_postcode,
}


def validate_identifier(scheme: str, raw: str) -> str:
    """Validate ``raw`` with the validator registered for ``scheme`` (a field name)."""
    validator = VALIDATORS.get(scheme)
    if validator is None:
        raise IdentifierError(
            scheme,
            f'"{scheme}" is not an identifier Lantern can check: '
            f"use one of {', '.join(sorted(VALIDATORS))}.",
        )
    return validator(raw)
