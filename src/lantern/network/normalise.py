"""One key per real-world thing, however it was typed.

Each function takes what someone typed and returns (key, label), or raises
ValueError with a sentence that says what is wrong. The key is what the database
holds once (with the entity's kind); the label is how the entity is shown.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-.()/]+")

# UK registration marks: current (2001 on), prefix (1983-2001), suffix (1963-1983),
# dateless, and Northern Ireland's. Spaces and dashes are ignored.
_VRM = [
    (re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z]{3}$"), lambda k: f"{k[:4]} {k[4:]}"),
    (re.compile(r"^[A-Z][0-9]{1,3}[A-Z]{3}$"), lambda k: f"{k[:-3]} {k[-3:]}"),
    (re.compile(r"^[A-Z]{3}[0-9]{1,3}[A-Z]$"), lambda k: f"{k[:3]} {k[3:]}"),
    (re.compile(r"^[A-Z]{1,3}[0-9]{1,4}$"), lambda k: k),
    (re.compile(r"^[0-9]{1,4}[A-Z]{1,3}$"), lambda k: k),
]


def vehicle(raw: str) -> tuple[str, str]:
    key = _SEPARATORS.sub("", (raw or "").upper())
    if not key:
        raise ValueError("Enter the vehicle's registration")
    if not key.isalnum() or not key.isascii():
        raise ValueError(f"{raw.strip()!r} is not a registration: use letters and numbers only")
    for pattern, spaced in _VRM:
        if pattern.match(key):
            return key, spaced(key)
    raise ValueError(
        f"{raw.strip()!r} is not a UK registration (for example AB12 CDE, A123 BCD or ABC 123D)"
    )


def phone(raw: str) -> tuple[str, str]:
    """UK numbers in national form (07700 900123); others as +country number."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("Enter the phone number")
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+"):
        digits = digits[1:]
        international = True
    elif digits.startswith("00"):
        digits = digits[2:]
        international = True
    else:
        international = False
    if not digits.isdigit():
        raise ValueError(f"{text!r} is not a phone number: use digits, spaces and a leading +")
    if international and digits.startswith("44"):
        digits, international = "0" + digits[2:].removeprefix("0"), False
    if not international:
        if len(digits) != 11 or not digits.startswith("0") or digits[1] == "0":
            raise ValueError(
                f"{text!r} is not a UK phone number: it needs 11 digits starting with 0 "
                "(for example 07700 900123)"
            )
        spaced = f"{digits[:5]} {digits[5:]}" if digits[1] == "7" else f"{digits[:4]} {digits[4:]}"
        return digits, spaced
    if not 8 <= len(digits) <= 15:
        raise ValueError(f"{text!r} is not an international phone number: 8 to 15 digits")
    return "+" + digits, "+" + digits


def handset(raw: str) -> tuple[str, str]:
    """A handset's IMEI: 15 digits, the last a Luhn check digit."""
    digits = _SEPARATORS.sub("", (raw or "").strip())
    if not digits:
        raise ValueError("Enter the handset's IMEI")
    if not digits.isdigit() or len(digits) != 15:
        raise ValueError(f"{raw.strip()!r} is not an IMEI: it has 15 digits")
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    if total % 10:
        raise ValueError(f"{raw.strip()!r} is not an IMEI: its check digit is wrong")
    return digits, digits


_HANDLE = re.compile(r"^[a-z0-9_.\-]{1,60}$")


def online_account(raw: str, platform: str) -> tuple[str, str]:
    platform = (platform or "").strip()
    handle = (raw or "").strip().lstrip("@").lower()
    if not platform:
        raise ValueError("Enter the platform or app the account is on")
    if not handle:
        raise ValueError("Enter the account's name or handle")
    if not _HANDLE.match(handle):
        raise ValueError(
            f"{raw.strip()!r} is not an account handle: letters, numbers, dots, dashes and "
            "underscores only"
        )
    return f"{platform.lower()}:{handle}", f"@{handle} on {platform}"


_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def postcode(raw: str) -> str:
    text = _SEPARATORS.sub("", (raw or "").upper())
    found = _POSTCODE.match(text)
    if not found:
        raise ValueError(f"{raw.strip()!r} is not a UK postcode")
    return f"{found.group(1)} {found.group(2)}"


def location(name: str, postcode_raw: str = "") -> tuple[str, str]:
    """A place is its name (however spaced or cased) and, when known, its postcode."""
    label = " ".join((name or "").split())
    if not label:
        raise ValueError("Enter the place's name or address")
    if len(label) > 150:
        raise ValueError("A place's name or address is at most 150 characters")
    key = re.sub(r"[^a-z0-9]+", " ", label.lower()).strip()
    if postcode_raw and postcode_raw.strip():
        code = postcode(postcode_raw)
        return f"{key}|{code}", f"{label}, {code}"
    return key, label
