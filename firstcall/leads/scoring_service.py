"""Applies the pure lead score (leads/scoring.py) to a lead and keeps the history."""

import logging
from dataclasses import asdict
from decimal import Decimal

from firstcall.leads.models import Lead, LeadScore, TimelineEvent
from firstcall.leads.scoring import ScoringConfig, ScoringInput, score_lead
from firstcall.leads.timeline import record_event

logger = logging.getLogger(__name__)

COMPLETENESS_FIELDS = [
    "first_name", "last_name", "email", "phone", "zip_code", "purpose", "loan_type", "property_type",
    "property_use", "credit_score_low", "timeframe", "first_time_buyer", "veteran",
]  # fmt: skip


def scoring_input_for(lead: Lead, *, reply_count: int | None = None, best_program_status: str | None = None):
    price = lead.purchase_price if lead.purpose == "purchase" else lead.property_value
    loan_amount = None
    down_payment_percent = None
    if lead.purpose == "purchase" and lead.purchase_price:
        down = lead.down_payment or Decimal(0)
        loan_amount = lead.purchase_price - down
        down_payment_percent = (down / lead.purchase_price * 100).quantize(Decimal("0.01"))
    elif lead.loan_balance:
        loan_amount = lead.loan_balance
    elif price:
        loan_amount = price
    filled = sum(
        1 for name in COMPLETENESS_FIELDS if getattr(lead, name) not in (None, "", "unknown", "not_sure")
    )
    if reply_count is None:
        reply_count = lead.reply_count
    return ScoringInput(
        credit_score_low=lead.credit_score_low,
        credit_score_high=lead.credit_score_high,
        credit_band=lead.credit_band or None,
        timeframe=lead.timeframe or "unknown",
        purpose=lead.purpose or None,
        loan_amount=loan_amount,
        down_payment_percent=down_payment_percent,
        first_time_buyer=lead.first_time_buyer,
        veteran=lead.veteran,
        loan_type_interest=lead.loan_type or "not_sure",
        source_quality=lead.source.quality_score if lead.source_id and lead.source else None,
        has_valid_mobile=bool(lead.phone),
        has_email=bool(lead.email),
        fields_completed=Decimal(filled) / Decimal(len(COMPLETENESS_FIELDS)),
        reply_count=reply_count,
        best_program_status=best_program_status,
    )


def rescore_lead(
    lead: Lead, *, trigger: str, best_program_status: str | None = None, reply_count: int | None = None
) -> LeadScore | None:
    """Score the lead again; store a history row only when the points or tier change.

    The borrower's engagement is `lead.reply_count` (kept from message.received by leads.subscribers) unless
    `reply_count` is given."""
    facts = scoring_input_for(lead, best_program_status=best_program_status, reply_count=reply_count)
    try:
        config = ScoringConfig.from_dict(lead.organisation.scoring_config or None)
        result = score_lead(facts, config)
    except ValueError:
        # A misconfigured override must not stop a lead from being captured; the default points still apply.
        logger.warning("Scoring config of organisation %s is invalid; using defaults", lead.organisation_id)
        result = score_lead(facts)
    if lead.score == result.points and lead.score_tier == result.tier:
        return None
    previous = (lead.score, lead.score_tier)
    Lead.objects.filter(pk=lead.pk).update(score=result.points, score_tier=result.tier)
    lead.score, lead.score_tier = result.points, result.tier
    snapshot = LeadScore.objects.create(
        lead=lead,
        points=result.points,
        tier=result.tier,
        reasons=[asdict(reason) for reason in result.reasons],
        trigger=trigger,
    )
    summary = f"Scored {result.points} ({result.tier})"
    if previous[0] is not None:
        summary += f", was {previous[0]} ({previous[1]})"
    record_event(lead, TimelineEvent.Kind.SCORED, summary, data={"trigger": trigger, "score_id": snapshot.pk})
    return snapshot
