"""County conforming loan limits (FHFA via CFPB, shipped as a pipe-delimited file) and ZIP -> county lookup.

The county table is parsed once per process. ZIPs map to a county through the offline `zipcodes` package,
which gives a county *name* and state, not FIPS, so names are matched after normalising them the way the
limit file writes them ("Miami-Dade County" -> "MIAMI-DADECOUNTY"). A ZIP that spans counties maps to the
county `zipcodes` lists; a loan officer who knows better passes `county_fips`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .rulebook import read_rule_text

_NOT_NAME_CHARACTER = re.compile(r"[^A-Z0-9.'\-]")
_ZIP_PATTERN = re.compile(r"^(\d{5})(?:-\d{4})?$")


@dataclass(frozen=True, slots=True)
class County:
    fips: str
    file_name: str  # as the limit file writes it, e.g. "MIAMI-DADECOUNTY"
    state: str
    limits_by_units: tuple[Decimal, Decimal, Decimal, Decimal]
    display_name: str = ""

    def limit(self, units: int) -> Decimal:
        return self.limits_by_units[units - 1]

    @property
    def label(self) -> str:
        return f"{self.display_name or self.file_name}, {self.state}"


@dataclass(frozen=True, slots=True)
class ZipLookup:
    county: County | None
    problem: str = ""  # why no county, in plain English
    unknown_zip: bool = False


def normalise_county_name(name: str) -> str:
    return _NOT_NAME_CHARACTER.sub("", name.upper().replace(" ", "").replace("’", "'"))


@lru_cache(maxsize=4)
def county_table(file_name: str) -> dict[str, County]:
    counties: dict[str, County] = {}
    lines = read_rule_text(file_name).splitlines()
    for line in lines[1:]:  # header: FIPSStateCode|FIPSCountyCode|CountyName|State|CBSANumber|One-Unit...
        if not line.strip():
            continue
        state_code, county_code, name, state, _cbsa, *limits = line.split("|")
        fips = state_code + county_code
        counties[fips] = County(fips, name, state, tuple(Decimal(limit) for limit in limits[:4]))
    return counties


@lru_cache(maxsize=4)
def _counties_by_name(file_name: str) -> dict[tuple[str, str], County]:
    return {(county.file_name, county.state): county for county in county_table(file_name).values()}


@lru_cache(maxsize=8192)
def county_by_fips(fips: str, file_name: str) -> County | None:
    county = county_table(file_name).get(fips)
    if county is None:
        return None
    display_name = display_names().get(fips) or _split_camel_case(county.file_name)
    return County(county.fips, county.file_name, county.state, county.limits_by_units, display_name)


DISPLAY_NAMES_FILE = "county_names.json"


@lru_cache(maxsize=1)
def display_names() -> dict[str, str]:
    """FIPS -> readable county name ("Los Angeles County"), shipped so a lookup by FIPS needs no ZIP database.

    The file is `derive_display_names()` written out; a test checks it still matches the zipcodes package.
    """
    return json.loads(read_rule_text(DISPLAY_NAMES_FILE))


def derive_display_names(file_name: str) -> dict[str, str]:
    """Readable names for the limit file's squashed ones ("LOSANGELESCOUNTY"), taken from zipcodes."""
    import zipcodes

    by_name = _counties_by_name(file_name)
    names: dict[str, str] = {}
    pairs = {(record.get("county") or "", record.get("state") or "") for record in zipcodes.list_all()}
    for county_name, state in sorted(pairs):
        if not county_name:
            continue
        for candidate in _name_candidates(normalise_county_name(county_name), state):
            county = by_name.get((candidate, state))
            if county is not None:
                names.setdefault(county.fips, county_name)
                break
    return dict(sorted(names.items()))


def _split_camel_case(name: str) -> str:
    """Spaces CamelCase names ("WesternConnecticutPlanningRegion"); upper-case ones stay as they are."""
    if name.isupper():
        return name
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


def normalise_zip(value: object) -> str | None:
    """A 5-digit ZIP from "12345", "12345-6789" or a number (leading zeros restored); None if malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"{value:05d}" if 0 < value < 100000 else None
    if isinstance(value, str):
        match = _ZIP_PATTERN.match(value.strip())
        return match.group(1) if match else None
    return None


def _name_candidates(normalised: str, state: str) -> list[str]:
    candidates = [normalised, normalised + "COUNTY", normalised + "MUNICIPIO", normalised + "PARISH"]
    # "Municipality of Anchorage" -> "ANCHORAGEMUNICIPALITY",
    # "City and Borough of Juneau" -> "JUNEAUCITYANDBOROUGH"
    for prefix in ("MUNICIPALITYOF", "CITYANDBOROUGHOF", "BOROUGHOF", "CITYOF"):
        if normalised.startswith(prefix):
            candidates.append(normalised[len(prefix) :] + prefix[: -len("OF")])
    if normalised.startswith("ST") and not normalised.startswith(("ST.", "STE")):
        candidates.append("ST." + normalised[2:])  # "St Louis County" -> "ST.LOUISCOUNTY"
    if state == "DC":
        candidates.append("DISTRICTOFCOLUMBIA")
    if state == "GU":
        candidates.append("GUAM")
    return candidates


@lru_cache(maxsize=8192)
def county_for_zip(zip5: str, file_name: str) -> ZipLookup:
    import zipcodes  # imported lazily: it loads its ZIP database on first use

    try:
        matches = zipcodes.matching(zip5)
    except (ValueError, TypeError):
        matches = []
    if not matches:
        return ZipLookup(None, f"ZIP {zip5} is not a known US ZIP code", unknown_zip=True)
    record = matches[0]
    state = record.get("state") or ""
    county_name = record.get("county") or ""
    by_name = _counties_by_name(file_name)
    for candidate in _name_candidates(normalise_county_name(county_name), state):
        county = by_name.get((candidate, state))
        if county is not None:
            return ZipLookup(
                County(
                    county.fips,
                    county.file_name,
                    county.state,
                    county.limits_by_units,
                    county_name or county.file_name,
                )
            )
    if state == "CT":
        return ZipLookup(
            None,
            f"ZIP {zip5} is in {county_name or 'a county'}, CT; Connecticut's loan limits are now set by "
            "planning "
            "region, so county_fips is needed",
        )
    where = f"{county_name}, {state}" if county_name else state or "an unknown place"
    return ZipLookup(
        None, f"ZIP {zip5} ({where}) has no county in the loan limit table; county_fips is needed"
    )
