"""``{% call_link lead %}``: the one way a page offers to call a borrower. A dialable link only when the touch
gate allows a call now (calling window in the borrower's local time, state rules and caps, call consent, both
do-not-call lists); otherwise the reason and, for a call that must wait, when the window opens (compliance.calling).

Options: ``label`` (the link text; the number, after ``prefix``, when empty), ``css`` (the link's class), ``described_by`` (an
aria-describedby id) ``compact`` (a short "Call after 8:00 AM EST" instead of the full sentence, for tight lists) and
``show_number`` (the number as plain text beside a call that may not be placed now)."""

from django import template

from firstcall.compliance.calling import call_advice, call_advice_many
from firstcall.leads.models import Lead

register = template.Library()


def _cache(context) -> dict:
    request = context.get("request")
    cache = getattr(request, "_call_advice", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._call_advice = cache
    return cache


def _advice(context, lead):
    """One decision per lead per request: a list that shows a lead twice asks the gate once."""
    cache = _cache(context)
    if lead.pk not in cache:
        cache[lead.pk] = call_advice(lead)
    return cache[lead.pk]


@register.simple_tag(takes_context=True)
def prime_call_links(context, *lists):
    """``{% prime_call_links page.object_list day.tasks %}`` before a list: the gate decides for every lead in
    the lists at once (leads, or rows with a ``lead``), in a fixed number of queries, so a page of 50 leads costs
    what a page of 5 does."""
    cache = _cache(context)
    leads = {}
    for items in lists:
        for item in items or ():
            lead = item if isinstance(item, Lead) else getattr(item, "lead", None)
            if isinstance(lead, Lead) and lead.pk and lead.pk not in cache:
                leads[lead.pk] = lead
    cache.update(call_advice_many(leads.values()))
    return ""


@register.inclusion_tag("compliance/_call_link.html", takes_context=True)
def call_link(context, lead, label="", css="", described_by="", compact=False, prefix="", show_number=False):
    advice = _advice(context, lead) if lead is not None and getattr(lead, "phone", "") else None
    return {
        "advice": advice,
        "label": label or (f"{prefix}{advice.phone_display}" if advice else ""),
        "css": css,
        "described_by": described_by,
        "compact": compact,
        "show_number": show_number,
    }


@register.simple_tag(takes_context=True)
def call_advice_for(context, lead):
    """``{% call_advice_for lead as advice %}`` for a page that lays the answer out itself."""
    return _advice(context, lead) if lead is not None else None
