"""Lender overlays: a lender's own credit policy, stored as data and applied on top of the agency rules.

An overlay looks like (see rules/overlays.example.json):

    {"name": "Example Lending credit policy", "version": "3", "source": "credit policy memo 2026-01",
     "effective_from": "2026-01-01", "effective_to": null,
     "programs": {"fha": {"min_credit_score": 620},
                  "jumbo": {"min_credit_score": 720, "min_reserves_months": 12}}}

For agency programs (conventional, FHA, VA, USDA) each setting adds its own check next to the agency check, so
an overlay can only make a program stricter. Jumbo has no agency rules: its thresholds are lender defaults,
and an overlay setting replaces the default. Either way the check message names the overlay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from .errors import OverlayError
from .money import parse_decimal
from .rulebook import PROGRAMS

# setting -> (lowest allowed, highest allowed, whole number?)
OVERLAY_SETTINGS: dict[str, tuple[Decimal, Decimal, bool]] = {
    "min_credit_score": (Decimal(300), Decimal(850), True),
    "max_ltv": (Decimal(1), Decimal(105), False),
    "max_dti_front": (Decimal(1), Decimal(100), False),
    "max_dti_back": (Decimal(1), Decimal(100), False),
    "min_reserves_months": (Decimal(0), Decimal(120), False),
}


@dataclass(frozen=True, slots=True)
class Overlay:
    name: str
    version: str
    source: str
    effective_from: date | None
    effective_to: date | None
    settings_by_program: tuple[tuple[str, tuple[tuple[str, Decimal], ...]], ...]

    @property
    def label(self) -> str:
        return f"{self.name} (overlay v{self.version})" if self.version else f"{self.name} (overlay)"

    def in_force_on(self, day: date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    def settings_for(self, program: str) -> dict[str, Decimal]:
        for name, settings in self.settings_by_program:
            if name == program:
                return dict(settings)
        return {}


def _optional_date(raw: dict, key: str, problems: list[str], where: str) -> date | None:
    value = raw.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        problems.append(f"{where}.{key} must be a date YYYY-MM-DD (got {value!r})")
        return None


def _parse_overlay(raw: object, index: int, problems: list[str]) -> Overlay | None:
    where = f"overlays[{index}]"
    if not isinstance(raw, dict):
        problems.append(f"{where} must be an object")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}.name is required (it is shown in every reason the overlay causes)")
    source = raw.get("source", "")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{where}.source is required (the policy document the overlay comes from)")
    version = raw.get("version", "")
    effective_from = _optional_date(raw, "effective_from", problems, where)
    effective_to = _optional_date(raw, "effective_to", problems, where)
    programs = raw.get("programs")
    if not isinstance(programs, dict) or not programs:
        problems.append(f"{where}.programs must map program names to settings")
        return None
    parsed_programs: list[tuple[str, tuple[tuple[str, Decimal], ...]]] = []
    for program, settings in programs.items():
        if program not in PROGRAMS:
            problems.append(f"{where}.programs: unknown program {program!r} (known: {', '.join(PROGRAMS)})")
            continue
        if not isinstance(settings, dict):
            problems.append(f"{where}.programs.{program} must be an object of settings")
            continue
        parsed_settings: list[tuple[str, Decimal]] = []
        for setting, value in settings.items():
            bounds = OVERLAY_SETTINGS.get(setting)
            if bounds is None:
                problems.append(
                    f"{where}.programs.{program}: unknown setting {setting!r} (known: "
                    f"{', '.join(OVERLAY_SETTINGS)})"
                )
                continue
            try:
                number = parse_decimal(value)
            except ValueError:
                problems.append(f"{where}.programs.{program}.{setting} must be a number (got {value!r})")
                continue
            low, high, whole = bounds
            if not low <= number <= high or (whole and number != number.to_integral_value()):
                kind = "a whole number" if whole else "a number"
                problems.append(f"{where}.programs.{program}.{setting} must be {kind} from {low} to {high}")
                continue
            parsed_settings.append((setting, number))
        parsed_programs.append((program, tuple(parsed_settings)))
    if problems:
        return None
    return Overlay(
        name=name.strip(),
        version=str(version).strip(),
        source=source.strip(),
        effective_from=effective_from,
        effective_to=effective_to,
        settings_by_program=tuple(parsed_programs),
    )


def validate_overlay(raw: object) -> list[str]:
    """Problems with one overlay, in plain English (empty when valid). For the admin form."""
    problems: list[str] = []
    _parse_overlay(raw, 0, problems)
    return [problem.replace("overlays[0]", "overlay", 1) for problem in problems]


@lru_cache(maxsize=128)
def _parse_overlays_cached(canonical: str) -> tuple[Overlay, ...]:
    raw_list = json.loads(canonical)
    problems: list[str] = []
    overlays = []
    for index, raw in enumerate(raw_list):
        overlay = _parse_overlay(raw, index, problems)
        if overlay is not None:
            overlays.append(overlay)
    if problems:
        raise OverlayError(problems)
    return tuple(overlays)


def parse_overlays(raw: list[dict] | None) -> tuple[Overlay, ...]:
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise OverlayError(["overlays must be a list of overlay objects"])
    try:
        canonical = json.dumps(raw, sort_keys=True, default=str)
    except (TypeError, ValueError) as error:
        raise OverlayError([f"overlays are not JSON data: {error}"]) from None
    return _parse_overlays_cached(canonical)
