"""Explainable mortgage eligibility for conventional, FHA, VA, USDA and jumbo.

Pure Python: no Django.

    from firstcall.eligibility.engine import assess, RULE_SET_VERSION
    result = assess({"as_of": "2026-03-02", "purpose": "purchase", ...}, overlays=[...])

Rules live in versioned data files (`firstcall/eligibility/rules/`), picked by the scenario's `as_of` date.
"""

from .assessment import RULE_SET_VERSION, assess
from .errors import OverlayError, RuleDataError, ScenarioError
from .overlays import validate_overlay

__all__ = [
    "RULE_SET_VERSION",
    "OverlayError",
    "RuleDataError",
    "ScenarioError",
    "assess",
    "validate_overlay",
]
