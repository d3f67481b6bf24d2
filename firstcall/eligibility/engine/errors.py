"""Errors the engine raises. Missing or contradictory scenario data is not an error: it gives `refer`."""

from __future__ import annotations


class ScenarioError(ValueError):
    """The request itself is unusable (not a JSON object, unknown program names).

    `problems` is a list of {"field": ..., "message": ...}; `as_json()` is the body the CLI prints with exit 2
    and the API returns with a 4xx status.
    """

    def __init__(self, problems: list[dict[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{problem['field']}: {problem['message']}" for problem in problems))

    def as_json(self) -> dict[str, object]:
        return {"error": "invalid_scenario", "message": str(self), "problems": self.problems}


class OverlayError(ValueError):
    """A lender overlay is malformed (unknown program or setting, bad number)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))

    def as_json(self) -> dict[str, object]:
        return {"error": "invalid_overlays", "message": str(self), "problems": self.problems}


class RuleDataError(RuntimeError):
    """A shipped rule file is malformed: a packaging bug, not a user error."""
