"""County loan limit tables by year: HUD's FHA forward limits and FHFA's conforming limits.

Tables an operator imports (`firstcall limits import-hud FILE`, `firstcall limits import-fhfa FILE`) are stored
as JSON in the limits directory, one file per kind and year (`fha-2026.json`, `conforming-2026.json`):

    {"kind": "fha", "year": 2026, "effective_from": "2026-01-01", "effective_to": "2026-12-31",
     "publisher": "HUD", "source": "https://...", "imported_from": "cy2026-forward-limits.txt",
     "sha256": "...", "counties": {"06037": ["LOS ANGELES COU", "CA", 1249125, 1599375, 1933200, 2402625]}}

The directory is `FIRSTCALL_LIMITS_DIR`, else `$FIRSTCALL_DATA_DIR/limits`, else `var/limits` beside the package.
A table applies to applications dated within its year. Without an imported conforming table the shipped FHFA
file (rules/) is used; without an imported FHA table the FHA limit is derived (see limits.fha_limit).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from .counties import county_table
from .rulebook import RuleBook

KINDS = ("fha", "conforming")
LABELS = {
    "fha": "HUD FHA forward mortgage limits",
    "conforming": "FHFA conforming loan limits",
}
_PACKAGE_ROOT = Path(__file__).resolve().parents[3]


_dir_cache: dict[tuple[str | None, str | None], Path] = {}


def limits_dir() -> Path:
    key = (os.environ.get("FIRSTCALL_LIMITS_DIR"), os.environ.get("FIRSTCALL_DATA_DIR"))
    found = _dir_cache.get(key)
    if found is None:
        configured, data_dir = key
        if configured:
            found = Path(configured)
        else:
            found = (Path(data_dir) if data_dir else _PACKAGE_ROOT / "var") / "limits"
        _dir_cache[key] = found
    return found


@dataclass(eq=False, slots=True)
class LimitTable:
    kind: str
    year: int
    effective_from: date
    effective_to: date
    source: str
    file_name: str
    origin: str  # "imported" or "shipped"
    # fips -> (county name as published, state, 1-unit, 2-unit, 3-unit, 4-unit)
    counties: dict[str, tuple] = field(default_factory=dict)
    sha256: str = ""
    imported_at: str = ""
    _json: dict | None = None

    def __post_init__(self) -> None:
        self._json = None

    @property
    def label(self) -> str:
        return f"{LABELS[self.kind]} {self.year}"

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day <= self.effective_to

    def limit(self, fips: str, units: int) -> Decimal | None:
        row = self.counties.get(fips)
        return None if row is None else Decimal(row[1 + units])

    def as_json(self) -> dict[str, object]:
        if self._json is None:
            self._json = self._as_json()
        return dict(self._json)

    def _as_json(self) -> dict[str, object]:
        return {
            "table": self.label,
            "kind": self.kind,
            "year": self.year,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat(),
            "file": self.file_name,
            "origin": self.origin,
            "source": self.source,
        }


def table_from_json(data: dict, origin: str = "imported") -> LimitTable:
    return LimitTable(
        kind=data["kind"],
        year=int(data["year"]),
        effective_from=date.fromisoformat(data["effective_from"]),
        effective_to=date.fromisoformat(data["effective_to"]),
        source=data["source"],
        file_name=data["imported_from"],
        origin=origin,
        counties={fips: tuple(row) for fips, row in data["counties"].items()},
        sha256=data.get("sha256", ""),
        imported_at=data.get("imported_at", ""),
    )


def table_path(kind: str, year: int, directory: Path | None = None) -> Path:
    return (directory or limits_dir()) / f"{kind}-{year}.json"


# (directory, its mtime) -> {(kind, year): table}; a new import changes the directory's mtime. The directory
# is looked at again at most once a second (an import in this process clears the cache at once: forget()).
_imported_cache: dict[tuple[str, int], dict[tuple[str, int], LimitTable]] = {}
_last_look: list = [None, 0.0, {}]  # directory, monotonic time, tables
RECHECK_SECONDS = 1.0


def forget() -> None:
    _imported_cache.clear()
    _last_look[:] = [None, 0.0, {}]


def imported_tables() -> dict[tuple[str, int], LimitTable]:
    now = time.monotonic()
    if _last_look[0] is not None and now - _last_look[1] < RECHECK_SECONDS:
        return _last_look[2]  # an assessment takes well under a millisecond: look at the disk once a second
    directory = limits_dir()
    found = _load_imported(directory)
    _last_look[:] = [directory, now, found]
    return found


def _load_imported(directory: Path) -> dict[tuple[str, int], LimitTable]:
    try:
        stamp = directory.stat().st_mtime_ns
    except OSError:
        return {}
    key = (str(directory), stamp)
    found = _imported_cache.get(key)
    if found is not None:
        return found
    found = {}
    for path in sorted(directory.glob("*.json")):
        try:
            table = table_from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a half-written or foreign file is not a table; the importer never leaves one
        if table.kind in KINDS:
            found[(table.kind, table.year)] = table
    _imported_cache.clear()
    _imported_cache[key] = found
    return found


_shipped_cache: dict[str, LimitTable] = {}


def shipped_conforming_table(book: RuleBook, day: date) -> LimitTable | None:
    entry = book.county_limit_file(day)
    if entry is None:
        return None
    table = _shipped_cache.get(entry.file)
    if table is None:
        counties = {
            fips: (county.file_name, county.state, *(int(limit) for limit in county.limits_by_units))
            for fips, county in county_table(entry.file).items()
        }
        table = LimitTable(
            kind="conforming",
            year=entry.effective_from.year,
            effective_from=entry.effective_from,
            effective_to=entry.effective_to or date(entry.effective_from.year, 12, 31),
            source=entry.source,
            file_name=entry.file,
            origin="shipped",
            counties=counties,
        )
        _shipped_cache[entry.file] = table
    return table


def table_for(kind: str, day: date, book: RuleBook | None = None) -> LimitTable | None:
    """The table in force on `day`: an imported one first, else (conforming only) the shipped file."""
    imported = imported_tables().get((kind, day.year))
    if imported is not None and imported.in_force_on(day):
        return imported
    if kind == "conforming" and book is not None:
        return shipped_conforming_table(book, day)
    return None
