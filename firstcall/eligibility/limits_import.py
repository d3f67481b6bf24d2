"""Reads the agencies' published county loan limit files into the limits directory (see engine/limit_tables.py).

HUD's FHA forward mortgage limits (`cyYYYY-forward-limits.txt`, https://apps.hud.gov/pub/chums/file_layouts.html)
are fixed-width text, one county per line; positions are 1-based and inclusive:

    1-5 MSA/CBSA code     6-10 metropolitan division   11-60 MSA name        61-65 SOA code (203B)
    66 limit type (S standard, H high cost)            67-73 median price    74-80 one-unit limit
    81-87 two-unit limit  88-94 three-unit limit       95-101 four-unit limit
    102-103 state abbreviation   104-106 county FIPS code   107-132 state name   133-147 county name
    148-155 county transaction date (YYYYMMDD)   156-163 limit transaction date   164-170 median price
    determining limit   171-175 year of that median

FHFA's conforming limits (`FullCountyLoanLimitList2026.txt` as republished by CFPB) are pipe-separated with a
header: FIPSStateCode|FIPSCountyCode|CountyName|State|CBSANumber|One-UnitLimit|...|Four-UnitLimit.

Importing validates every line first and writes nothing when any is malformed; the table is written atomically
(temporary file, then rename) and only when its content changed, so importing the same file twice is a no-op.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from firstcall.eligibility.engine.counties import county_table
from firstcall.eligibility.engine.limit_tables import forget, imported_tables, limits_dir, table_path
from firstcall.eligibility.engine.rulebook import rule_book

HUD_SOURCE = "https://apps.hud.gov/pub/chums/file_layouts.html"
FHFA_SOURCE = "https://www.fhfa.gov/data/conforming-loan-limit"
HUD_FIELDS = {  # name: (first, last) 1-based inclusive
    "soa_code": (61, 65),
    "limit_type": (66, 66),
    "one_unit": (74, 80),
    "two_units": (81, 87),
    "three_units": (88, 94),
    "four_units": (95, 101),
    "state": (102, 103),
    "county_code": (104, 106),
    "county_name": (133, 147),
}
HUD_MIN_LENGTH = 147
STANDARD_FORWARD_SECTION = "203B"
MAX_PROBLEMS_SHOWN = 20


class LimitFileError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems[:MAX_PROBLEMS_SHOWN]))


@dataclass
class ImportResult:
    kind: str
    year: int
    path: Path
    counties: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    written: bool = False
    previous_counties: int = 0

    def lines(self) -> list[str]:
        label = "HUD FHA forward mortgage limits" if self.kind == "fha" else "FHFA conforming loan limits"
        head = f"{label} {self.year}: {self.counties:,} counties"
        if not self.written:
            return [f"{head}; no changes (already imported in {self.path})"]
        lines = [head]
        if self.previous_counties:
            lines.append(
                f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed "
                f"(was {self.previous_counties:,} counties)"
            )
        else:
            lines.append(f"new table: {len(self.added):,} counties")
        for label_text, items in (
            ("changed", self.changed),
            ("added", self.added),
            ("removed", self.removed),
        ):
            if self.previous_counties:
                for item in items[:MAX_PROBLEMS_SHOWN]:
                    lines.append(f"  {label_text} {item}")
                if len(items) > MAX_PROBLEMS_SHOWN:
                    lines.append(f"  ... and {len(items) - MAX_PROBLEMS_SHOWN} more {label_text}")
        lines.append(f"written to {self.path}; in force 01/01/{self.year} to 12/31/{self.year}")
        return lines

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "year": self.year,
            "counties": self.counties,
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "written": self.written,
            "path": str(self.path),
        }


def state_fips_codes() -> dict[str, str]:
    """State abbreviation -> 2-digit FIPS, from the shipped FHFA table (it lists every state and territory)."""
    book = rule_book()
    codes: dict[str, str] = {}
    for fips, county in county_table(book.county_limit_files[-1].file).items():
        codes.setdefault(county.state, fips[:2])
    return codes


def year_from_name(name: str) -> int | None:
    match = re.search(r"(?<!\d)(20\d\d)(?!\d)", Path(name).name)
    return int(match.group(1)) if match else None


def _whole_dollars(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def parse_hud(text: str) -> dict[str, list]:
    """fips -> [county name, state, 1..4-unit limits]; raises LimitFileError naming every bad line."""
    state_codes = state_fips_codes()
    counties: dict[str, list] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) < HUD_MIN_LENGTH:
            problems.append(
                f"line {number}: {len(line)} characters, HUD's layout needs at least {HUD_MIN_LENGTH}"
            )
            continue
        values = {name: line[first - 1 : last].strip() for name, (first, last) in HUD_FIELDS.items()}
        if values["soa_code"] and values["soa_code"] != STANDARD_FORWARD_SECTION:
            continue  # other sections of the Act carry their own limits
        limits = [
            _whole_dollars(values[name]) for name in ("one_unit", "two_units", "three_units", "four_units")
        ]
        if any(limit is None or limit <= 0 for limit in limits):
            problems.append(f"line {number}: a limit in columns 74-101 is not a whole number of dollars")
            continue
        if not limits[0] < limits[1] < limits[2] < limits[3]:
            problems.append(f"line {number}: limits do not rise with the number of units ({limits})")
            continue
        state = values["state"]
        if state not in state_codes:
            problems.append(f"line {number}: unknown state abbreviation {state!r} in columns 102-103")
            continue
        if not (len(values["county_code"]) == 3 and values["county_code"].isdigit()):
            problems.append(
                f"line {number}: county code {values['county_code']!r} in columns 104-106 is not 3 digits"
            )
            continue
        if values["limit_type"] not in ("S", "H", ""):
            problems.append(f"line {number}: limit type {values['limit_type']!r} in column 66 is not S or H")
            continue
        fips = state_codes[state] + values["county_code"]
        row = [values["county_name"], state, *limits]
        if fips in counties and counties[fips] != row:
            problems.append(f"line {number}: county {fips} appears twice with different limits")
            continue
        counties[fips] = row
    if problems:
        raise LimitFileError(problems)
    if not counties:
        raise LimitFileError(["no county rows in HUD's fixed-width layout were found"])
    return counties


def parse_fhfa(text: str) -> dict[str, list]:
    lines = text.splitlines()
    if not lines or not lines[0].startswith("FIPSStateCode|FIPSCountyCode|CountyName|State|"):
        raise LimitFileError(
            [
                "the first line must be FHFA's header FIPSStateCode|FIPSCountyCode|CountyName|State|CBSANumber|..."
            ]
        )
    counties: dict[str, list] = {}
    problems: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) < 9:
            problems.append(f"line {number}: {len(parts)} fields, expected 9")
            continue
        state_code, county_code, name, state, _cbsa, *raw_limits = parts[:9]
        limits = [_whole_dollars(value) for value in raw_limits]
        if not (
            len(state_code) == 2 and state_code.isdigit() and len(county_code) == 3 and county_code.isdigit()
        ):
            problems.append(
                f"line {number}: FIPS codes {state_code!r}|{county_code!r} are not 2 and 3 digits"
            )
            continue
        if any(limit is None or limit <= 0 for limit in limits):
            problems.append(f"line {number}: a limit is not a whole number of dollars")
            continue
        counties[state_code + county_code] = [name.strip(), state.strip(), *limits]
    if problems:
        raise LimitFileError(problems)
    if not counties:
        raise LimitFileError(["no county rows were found"])
    return counties


def _describe(fips: str, row: list) -> str:
    return f"{fips} {row[0]}, {row[1]}"


def _money(amount: int) -> str:
    return f"${amount:,}"


def import_table(
    kind: str, path: str | Path, *, year: int | None = None, directory: Path | None = None
) -> ImportResult:
    source_path = Path(path)
    raw = source_path.read_bytes()
    text = raw.decode("latin-1") if kind == "fha" else raw.decode("utf-8-sig")
    year = year or year_from_name(source_path.name)
    if year is None:
        raise LimitFileError([f"the year is not in the file name {source_path.name!r}; give --year YYYY"])
    counties = parse_hud(text) if kind == "fha" else parse_fhfa(text)
    directory = directory or limits_dir()
    target = table_path(kind, year, directory)
    previous: dict[str, list] = {}
    if target.exists():
        try:
            previous = json.loads(target.read_text(encoding="utf-8"))["counties"]
        except (ValueError, KeyError):
            previous = {}
    result = ImportResult(kind, year, target, len(counties), previous_counties=len(previous))
    for fips in sorted(counties):
        row = counties[fips]
        old = previous.get(fips)
        if old is None:
            result.added.append(_describe(fips, row))
        elif list(old) != row:
            changes = [
                f"{units} unit{'s' if units > 1 else ''} {_money(old[1 + units])} -> {_money(row[1 + units])}"
                for units in (1, 2, 3, 4)
                if old[1 + units] != row[1 + units]
            ]
            result.changed.append(f"{_describe(fips, row)}: {', '.join(changes) or 'name'}")
    result.removed = [_describe(fips, previous[fips]) for fips in sorted(set(previous) - set(counties))]
    if previous and not (result.added or result.changed or result.removed):
        return result
    document = {
        "kind": kind,
        "year": year,
        "effective_from": f"{year}-01-01",
        "effective_to": f"{year}-12-31",
        "publisher": "HUD" if kind == "fha" else "FHFA",
        "source": HUD_SOURCE if kind == "fha" else FHFA_SOURCE,
        "imported_from": source_path.name,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counties": counties,
    }
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{kind}-{year}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(document, file, sort_keys=True)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    forget()  # this process sees the new table at once; others within a second
    result.written = True
    return result


def list_tables() -> list[dict[str, object]]:
    return [
        {**table.as_json(), "counties": len(table.counties), "imported_at": table.imported_at}
        for (_kind, _year), table in sorted(imported_tables().items())
    ]
