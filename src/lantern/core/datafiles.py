"""Loading the partnership's configuration from versioned data files.

Roles, event types and (later) rules and timescales live in TOML files in the
repository. They are validated when loaded: an unknown key, a missing key or a
value of the wrong type stops the load with the file, the entry and the problem.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class DataFileError(ValueError):
    pass


@dataclass(frozen=True)
class Field:
    type: type | tuple[type, ...]
    required: bool = True
    default: Any = None
    choices: frozenset[str] | None = None


def load_entries(path: Path, table: str, fields: dict[str, Field]) -> list[dict[str, Any]]:
    """Read `[[table]]` entries from a TOML file and check each against `fields`."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(f"{path.name}: cannot be read: {exc}") from exc
    entries = document.get(table)
    if not isinstance(entries, list) or not entries:
        raise DataFileError(f"{path.name}: has no [[{table}]] entries")
    seen: set[str] = set()
    cleaned = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}: {table} {number} ({entry.get('code', 'no code')})"
        unknown = set(entry) - set(fields)
        if unknown:
            raise DataFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        row = {}
        for name, spec in fields.items():
            if name not in entry:
                if spec.required:
                    raise DataFileError(f"{where}: missing {name}")
                row[name] = spec.default
                continue
            value = entry[name]
            if not isinstance(value, spec.type):
                raise DataFileError(f"{where}: {name} has the wrong type ({type(value).__name__})")
            values = value if isinstance(value, list) else [value]
            if spec.choices is not None:
                bad = [v for v in values if v not in spec.choices]
                if bad:
                    raise DataFileError(
                        f"{where}: {name} has unknown value(s) {', '.join(map(str, bad))}; "
                        f"expected one of {', '.join(sorted(spec.choices))}"
                    )
            row[name] = value
        code = row.get("code")
        if code in seen:
            raise DataFileError(f"{where}: code {code!r} appears twice")
        seen.add(code)
        cleaned.append(row)
    return cleaned
