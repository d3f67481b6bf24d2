"""`assess()`: the one entry point. Scenario dict in, assessment dict out (the scenario contract in docs/assessment.md)."""

from __future__ import annotations

from collections.abc import Callable

from . import conventional, fha, jumbo, usda, va
from .checks import ProgramEvaluation
from .common import ProgramContext
from .errors import ScenarioError
from .overlays import Overlay, parse_overlays
from .remedies import what_would_make_it_work
from .rulebook import rule_book
from .scenario import Scenario, parse_scenario

EVALUATORS: dict[str, Callable[[ProgramContext], ProgramEvaluation]] = {
    "conventional": conventional.evaluate,
    "fha": fha.evaluate,
    "va": va.evaluate,
    "usda": usda.evaluate,
    "jumbo": jumbo.evaluate,
}

RULE_SET_VERSION: str = rule_book().version


def evaluate_programs(scenario: Scenario, overlays: tuple[Overlay, ...]) -> list[ProgramEvaluation]:
    book = rule_book()
    in_force = tuple(
        overlay for overlay in overlays if scenario.as_of and overlay.in_force_on(scenario.as_of)
    )
    evaluations = []
    for program in scenario.programs:
        program_overlays = [
            (overlay, settings) for overlay in in_force if (settings := overlay.settings_for(program))
        ]
        evaluations.append(EVALUATORS[program](ProgramContext(program, scenario, book, program_overlays)))
    return evaluations


def assess(payload: dict, overlays: list[dict] | None = None, *, remedies: bool = False) -> dict:
    """Assess a scenario against every requested program.

    Missing facts never raise: the programs that need them are `refer`, naming them in their checks, and
    `missing_facts` lists them. A value that is wrong rather than missing (an unknown enum value, a zero or
    negative amount, a down payment not below the price, a score outside 300-850, an event dated after the
    application, debts and income that do not add up, an unknown state, county or ZIP) raises `ScenarioError`
    naming every such field; a malformed overlay raises `OverlayError`. With `remedies=True` every program
    that is not eligible carries `what_would_make_it_work` (see remedies.py).
    """
    parsed_overlays = parse_overlays(overlays)
    scenario = parse_scenario(payload, rule_book())
    errors = scenario.validation_errors()
    if errors:
        raise ScenarioError(errors)
    # Overlays are versioned by whoever stores them (they are named in every check they cause), so the
    # version here identifies the shipped agency rule files only.
    result = {
        "as_of": scenario.as_of.isoformat() if scenario.as_of else None,
        "rule_set_version": RULE_SET_VERSION,
        # Facts the scenario left out: the programs that need them are referred, naming them in their checks.
        "missing_facts": scenario.missing_facts(),
        "programs": [evaluation.as_json() for evaluation in evaluate_programs(scenario, parsed_overlays)],
    }
    if remedies:
        # Each refer/ineligible program: the smallest change, confirmed by assessing it again.
        answers = what_would_make_it_work(payload, result, assess, overlays)
        for program in result["programs"]:
            program["what_would_make_it_work"] = answers.get(program["program"], [])
    return result
