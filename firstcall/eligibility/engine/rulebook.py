"""Loads the versioned rule files shipped in `firstcall/eligibility/rules/` and picks the version in force.

A rule file holds a list of rule versions; each has `id`, `effective_from`, `effective_to` (inclusive,
null for open-ended), `source` (a URL) and `params`. Several versions may share an id as long as their date
ranges do not overlap. Files are read once per process (importlib.resources, so an installed wheel works too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from .errors import RuleDataError

RULES_PACKAGE = "firstcall.eligibility.rules"
PROGRAMS = ("conventional", "fha", "va", "usda", "jumbo")


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    effective_from: date
    effective_to: date | None
    source: str
    params: dict[str, Any]
    note: str = ""
    see_also: tuple[str, ...] = ()
    # The primary source: {"document", "section", "version"}; `quote` is the guide's own wording.
    citation: tuple[tuple[str, str], ...] = ()
    quote: str = ""
    checked: date | None = None  # when the rule was last compared with its primary source
    citation_text: str = ""  # "document, section, version": what a check quotes as its authority

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True, slots=True)
class CountyLimitFile:
    file: str
    effective_from: date
    effective_to: date | None
    source: str


@dataclass(slots=True)
class RuleBook:
    version: str
    programs: tuple[str, ...]
    rules_by_id: dict[str, list[Rule]] = field(default_factory=dict)
    county_limit_files: list[CountyLimitFile] = field(default_factory=list)
    # (rule id, day) -> rule in force; a few dates recur (today, a lead's as_of), so this stays small.
    _in_force: dict[tuple[str, date], object] = field(default_factory=dict)

    def rule(self, rule_id: str, day: date) -> Rule | None:
        key = (rule_id, day)
        try:
            return self._in_force[key]
        except KeyError:
            pass
        found = None
        for rule in self.rules_by_id.get(rule_id, ()):
            if rule.in_force_on(day):
                found = rule
                break
        if len(self._in_force) > 50_000:  # many distinct dates (a backfill): start over rather than grow
            self._in_force.clear()
        self._in_force[key] = found
        return found

    def rules_in_force(self, day: date) -> dict[str, Rule]:
        """Every rule in force on `day`, by id (cached: a handful of dates recur)."""
        key = ("*", day)
        found = self._in_force.get(key)
        if found is None:
            found = {}
            for rule_id, versions in self.rules_by_id.items():
                for rule in versions:
                    if rule.in_force_on(day):
                        found[rule_id] = rule
                        break
            self._in_force[key] = found
        return found

    def versions(self, rule_id: str) -> list[Rule]:
        return list(self.rules_by_id.get(rule_id, ()))

    def county_limit_file(self, day: date) -> CountyLimitFile | None:
        for entry in self.county_limit_files:
            if entry.effective_from <= day and (entry.effective_to is None or day <= entry.effective_to):
                return entry
        return None


def read_rule_text(name: str) -> str:
    return resources.files(RULES_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def _parse_date(text: Any, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise RuleDataError(f"{where}: {text!r} is not a YYYY-MM-DD date") from None


def _parse_rule(raw: dict[str, Any], program: str, file_name: str) -> Rule:
    where = f"{file_name} rule {raw.get('id', '?')}"
    for key in ("id", "effective_from", "effective_to", "source", "params"):
        if key not in raw:
            raise RuleDataError(f"{where}: missing {key!r}")
    if not str(raw["id"]).startswith(program + "."):
        raise RuleDataError(f"{where}: rule ids in {file_name} must start with '{program}.'")
    citation = raw.get("citation")
    if not isinstance(citation, dict) or not all(
        citation.get(key) for key in ("document", "section", "version")
    ):
        raise RuleDataError(f"{where}: citation must name the primary source's document, section and version")
    source = raw["source"]
    if not isinstance(source, str) or not source.startswith(("http://", "https://")):
        raise RuleDataError(f"{where}: source must be a URL")
    effective_from = _parse_date(raw["effective_from"], where)
    effective_to = None if raw["effective_to"] is None else _parse_date(raw["effective_to"], where)
    if effective_to is not None and effective_to < effective_from:
        raise RuleDataError(f"{where}: effective_to is before effective_from")
    return Rule(
        id=raw["id"],
        effective_from=effective_from,
        effective_to=effective_to,
        source=source,
        params=raw["params"],
        note=raw.get("note", ""),
        see_also=tuple(raw.get("see_also", ())),
        citation=tuple((str(key), str(value)) for key, value in citation.items()),
        citation_text=", ".join(str(citation[key]) for key in ("document", "section", "version")),
        quote=raw.get("quote", ""),
        checked=_parse_date(raw["checked"], where) if raw.get("checked") else None,
    )


def _check_no_overlap(versions: list[Rule]) -> None:
    for earlier, later in zip(versions, versions[1:], strict=False):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise RuleDataError(
                f"rule {earlier.id}: versions from {earlier.effective_from} and {later.effective_from} "
                "overlap"
            )


def load_rule_book() -> RuleBook:
    manifest = json.loads(read_rule_text("ruleset.json"))
    book = RuleBook(version=str(manifest["rule_set_version"]), programs=tuple(manifest["programs"]))
    for entry in manifest.get("county_loan_limit_files", ()):
        book.county_limit_files.append(
            CountyLimitFile(
                file=entry["file"],
                effective_from=_parse_date(entry["effective_from"], "ruleset.json"),
                effective_to=None
                if entry["effective_to"] is None
                else _parse_date(entry["effective_to"], "ruleset.json"),
                source=entry["source"],
            )
        )
    for program in book.programs:
        file_name = f"{program}.json"
        # Floats become Decimal so rates like 0.58 stay exact.
        data = json.loads(read_rule_text(file_name), parse_float=Decimal)
        if data.get("program") != program:
            raise RuleDataError(f"{file_name}: 'program' must be {program!r}")
        for raw in data["rules"]:
            rule = _parse_rule(raw, program, file_name)
            book.rules_by_id.setdefault(rule.id, []).append(rule)
    for versions in book.rules_by_id.values():
        versions.sort(key=lambda rule: rule.effective_from)
        _check_no_overlap(versions)
    return book


@lru_cache(maxsize=1)
def rule_book() -> RuleBook:
    return load_rule_book()
