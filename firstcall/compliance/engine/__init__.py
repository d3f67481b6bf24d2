"""The compliance decision engine: pure Python, no Django. ``decide`` gates every text, email and call;
``optout.check`` reads replies for revocations; ``adlint.lint`` checks advertising content."""

import importlib

# Loaded on first use: reading a reply (optout) should not pay for the phone-number geography the gate needs.
_GATE_NAMES = frozenset(
    "ALLOW HOLD REFUSE RULES ConsentRecord Decision DoNotCall PastTouch Reason Sender Touch TouchError "
    "decide decide_json touch_from_json".split()
)


def __getattr__(name: str):
    if name in _GATE_NAMES:
        return getattr(importlib.import_module("firstcall.compliance.engine.gate"), name)
    raise AttributeError(name)


__all__ = [
    "ALLOW",
    "HOLD",
    "REFUSE",
    "RULES",
    "ConsentRecord",
    "Decision",
    "DoNotCall",
    "PastTouch",
    "Reason",
    "Sender",
    "Touch",
    "TouchError",
    "decide",
    "decide_json",
    "touch_from_json",
]
