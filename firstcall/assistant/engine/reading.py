"""Read one borrower reply: its intent, how sure we are, its language, whether it revokes consent, and when the
borrower wants to hear from us. Pure: the caller passes what the compliance rules decided about revocation."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from .intents import rule_intent
from .model import ReplyModel, shared_model
from .text import language_of, normalise
from .when import callback_time, come_back_date

RULE_CONFIDENCE_FLOOR = 0.9
# The model's share of "opt_out" above which a reply is treated as a stop even if another intent also fits.
MODEL_OPT_OUT_SHARE = 0.45
QUESTION_START = re.compile(
    r"^(how|what|what's|when|where|who|why|which|do|does|did|can|could|is|are|will|would|should|may|"
    r"cuanto|cuanta|cual|como|cuando|donde|quien|que|puedo|pueden|hay|necesito|tienen|hacen|aceptan|califico)\b"
)


@dataclass(frozen=True)
class Revocation:
    """What the compliance rules found: whether the text revokes consent, the words, and whether to review."""

    revokes: bool
    matched: str = ""
    needs_review: bool = False


@dataclass(frozen=True)
class ReplyReading:
    intent: str
    confidence: float
    language: str
    opt_out: bool
    needs_review: bool
    entities: dict = field(default_factory=dict)
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "language": self.language,
            "opt_out": self.opt_out,
            "needs_review": self.needs_review,
            "entities": self.entities,
            "reason": self.reason,
        }


def read_reply(
    text: str,
    *,
    received_at: datetime,
    time_zone: str,
    revocation: Revocation,
    model: ReplyModel | None = None,
) -> ReplyReading:
    normalised = normalise(text)
    language = language_of(normalised, text)
    probabilities = (model or shared_model()).probabilities(normalised)
    model_intent = max(probabilities, key=probabilities.get)
    ruled = rule_intent(normalised, text)
    zone = ZoneInfo(time_zone)

    opt_out = revocation.revokes
    needs_review = revocation.needs_review
    if revocation.revokes:
        intent, confidence = "opt_out", 1.0
        reason = f"Revokes consent: \u201c{revocation.matched}\u201d."
        if ruled and ruled[0] == "wrong_number":
            intent, reason = (
                "wrong_number",
                f"Wrong number (\u201c{ruled[1]}\u201d); consent revoked for this number.",
            )
    elif model_intent == "opt_out" or probabilities.get("opt_out", 0.0) >= MODEL_OPT_OUT_SHARE:
        # The model may add an opt-out the keyword rules missed, never remove one: stop at once, and a person
        # reviews the reading afterwards (the stop is not delayed by the review).
        intent, confidence = "opt_out", probabilities["opt_out"]
        opt_out, needs_review = True, True
        reason = "Reads as a request to stop; treated as an opt-out and flagged for a person to review."
    elif ruled:
        intent, matched = ruled
        confidence = max(RULE_CONFIDENCE_FLOOR, probabilities.get(intent, 0.0))
        reason = f"Matched \u201c{matched}\u201d."
        if intent == "wrong_number":
            opt_out = (
                True  # a wrong number never consented: stop texting it (FCC 24-24 treats it as revocation)
            )
    elif model_intent == "wrong_number":
        intent, confidence = model_intent, probabilities[model_intent]
        opt_out, needs_review = True, True
        reason = (
            "Reads as a wrong number; consent for this number is revoked and a person reviews the reading."
        )
    else:
        intent, confidence = model_intent, probabilities[model_intent]
        if (
            intent in ("other", "interested")
            and "?" in text
            and (QUESTION_START.search(normalised) or "¿" in text)
        ):
            intent, confidence = "question", max(confidence, 0.6)
        reason = "Read by the reply model."

    entities: dict = {"when": None}
    if intent in ("callback_request", "appointment_request"):
        moment = callback_time(normalised, received_at, zone)
        entities["when"] = moment.isoformat() if moment else None
    elif intent == "not_now":
        moment = come_back_date(normalised, received_at, zone)
        entities["when"] = moment.isoformat() if moment else None
    return ReplyReading(
        intent=intent,
        confidence=confidence,
        language=language,
        opt_out=opt_out,
        needs_review=needs_review,
        entities=entities,
        reason=reason,
    )
