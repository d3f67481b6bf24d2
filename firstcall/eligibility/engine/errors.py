"""Errors the engine raises. Missing or contradictory scenario data is not an error: it gives `refer`."""

from __future__ import annotations


class ScenarioError(ValueError):
    """The scenario fails validation: a value that is wrong, not merely missing.

    `fields` maps each field name to why it was refused; `as_json()` is the body the CLI prints with exit 2
    and the API returns with HTTP 422: {"error": "invalid scenario", "fields": {NAME: "why"}}.
    """

    def __init__(self, fields: dict[str, str] | list[dict[str, str]]):
        if isinstance(fields, list):  # [{"field": ..., "message": ...}]
            fields = {problem["field"]: problem["message"] for problem in fields}
        self.fields = dict(fields)
        super().__init__("; ".join(f"{name}: {why}" for name, why in self.fields.items()))

    @property
    def problems(self) -> list[dict[str, str]]:
        return [{"field": name, "message": why} for name, why in self.fields.items()]

    def as_json(self) -> dict[str, object]:
        return {"error": "invalid scenario", "fields": self.fields}


class OverlayError(ValueError):
    """A lender overlay is malformed (unknown program or setting, bad number)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))

    def as_json(self) -> dict[str, object]:
        return {"error": "invalid_overlays", "message": str(self), "problems": self.problems}


class RuleDataError(RuntimeError):
    """A shipped rule file is malformed: a packaging bug, not a user error."""
