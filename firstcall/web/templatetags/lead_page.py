"""Template filters of the lead page."""

from django import template
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe

from firstcall.lib.phones import display_phone
from firstcall.pipeline.notes import MENTION

register = template.Library()


@register.filter
def with_mentions(text: str) -> str:
    """A note's text, escaped, in paragraphs, with @mentions marked."""
    html = linebreaks(escape(text or ""))
    return mark_safe(MENTION.sub(lambda match: f'<span class="mention">{match.group(0)}</span>', html))  # noqa: S308 - escaped above


@register.filter
def phone_display(e164: str) -> str:
    return display_phone(e164) if e164 else ""
