"""The compliance decision engine: pure Python, no Django. ``decide`` gates every text, email and call;
``optout.check`` reads replies for revocations; ``adlint.lint`` checks advertising content."""

from firstcall.compliance.engine.gate import (
    ALLOW,
    HOLD,
    REFUSE,
    RULES,
    ConsentRecord,
    Decision,
    DoNotCall,
    PastTouch,
    Reason,
    Sender,
    Touch,
    TouchError,
    decide,
    decide_json,
    touch_from_json,
)

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
