"""Template filters of the workspace pages: money, phone numbers and the speed-to-lead clock."""

from django import template

from firstcall.lib.phones import display_phone
from firstcall.pipeline import board

register = template.Library()


@register.filter
def money(amount) -> str:
    return board.money_full(amount)


@register.filter
def money_short(amount) -> str:
    return board.money_compact(amount)


@register.filter
def phone(e164: str) -> str:
    return display_phone(e164) if e164 else ""


@register.filter
def sla(lead, now) -> board.SlaState:
    """`{% with clock=lead|sla:now %}`: kind (due, overdue, met, late or ""), label, deadline."""
    return board.sla_state(lead, now)


@register.filter
def full_name(lead) -> str:
    return lead.full_name or f"Lead {lead.pk}"


@register.filter
def person(user) -> str:
    """A user's display name without a query (owner is joined with select_related)."""
    if user is None:
        return "Unassigned"
    return user.get_full_name() or user.username
