"""The themes a worker tags feedback with (data/themes.toml), checked when loaded.

The file is versioned: `version` is a whole number raised at every change. A theme is never
deleted once feedback may carry its code; it is retired (`retired = true`) and then keeps
its name on old feedback but is no longer offered for new tagging.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lantern.core.datafiles import DataFileError, Field, load_entries

THEMES_FILE = Path(__file__).parent / "data" / "themes.toml"
CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
FIELDS = {
    "code": Field(str),
    "name": Field(str),
    "description": Field(str),
    "retired": Field(bool, required=False, default=False),
}


@dataclass(frozen=True)
class Theme:
    code: str
    name: str
    description: str
    retired: bool = False


@dataclass(frozen=True)
class ThemeSet:
    version: int
    themes: dict[str, Theme]

    def current(self) -> list[Theme]:
        """The themes a worker may tag new feedback with, in the file's order."""
        return [t for t in self.themes.values() if not t.retired]

    def name(self, code: str) -> str:
        found = self.themes.get(code)
        return found.name if found else code


def load(path: Path = THEMES_FILE) -> ThemeSet:
    """Read and check a themes file: a whole-number version, and themes with a lower-case
    code, a name and a description, no code or name twice, at least one not retired."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(f"{path.name}: cannot be read: {exc}") from exc
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DataFileError(f"{path.name}: version must be a whole number from 1")
    unknown = set(document) - {"version", "theme"}
    if unknown:
        raise DataFileError(f"{path.name}: unknown key(s) {', '.join(sorted(unknown))}")
    themes: dict[str, Theme] = {}
    names: set[str] = set()
    for entry in load_entries(path, "theme", FIELDS):
        where = f"{path.name}: theme {entry['code']!r}"
        if not CODE.match(entry["code"]):
            raise DataFileError(f"{where}: a code is lower-case words joined by underscores")
        for key in ("name", "description"):
            entry[key] = entry[key].strip()
            if not entry[key]:
                raise DataFileError(f"{where}: {key} is empty")
        if entry["name"].lower() in names:
            raise DataFileError(f"{where}: the name {entry['name']!r} appears twice")
        names.add(entry["name"].lower())
        themes[entry["code"]] = Theme(**entry)
    if not any(not t.retired for t in themes.values()):
        raise DataFileError(f"{path.name}: every theme is retired")
    return ThemeSet(version=version, themes=themes)


@functools.cache
def themes() -> ThemeSet:
    return load()
