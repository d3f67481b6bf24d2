"""`{{ user|shows:"score" }}`: whether the viewer's role is shown a group of a lead's facts
(firstcall/leads/allow_lists.py)."""

from django import template

from firstcall.leads.allow_lists import shows as _shows

register = template.Library()


@register.filter
def shows(user, fact: str) -> bool:
    return _shows(user, fact)
