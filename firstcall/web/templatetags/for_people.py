"""Words for people: codes that reach a page (a scoring factor, a routing strategy, a field name, a dotted
reason key) are said in plain words. `{% load for_people %}{{ text|for_people }}`."""

import re

from django import template

register = template.Library()

LABELS = {
    "round_robin": "taking turns",
    "least_busy": "least busy",
    "weighted": "weighted split",
    "referral_preference": "referral partner's preference",
    "program_fit": "Program fit",
    "source_quality": "Source quality",
    "loan_amount": "Loan amount",
    "down_payment": "Down payment",
    "program_status": "program status",
    "first_touch": "first message",
    "not_sure": "not sure",
    "asap": "as soon as possible",
    "sla breach": "missed response time",
}
SNAKE = re.compile(r"\b([a-z0-9]+(?:_[a-z0-9]+)+)\b")
DOTTED = re.compile(r"\b(?:[a-z_]+\.){2,}([a-z_]+)\b")
# Words about how the product is built, never meant for a reader.
DEVELOPER_PHRASES = re.compile(
    r"\s*\((?:[^()]*\b(?:contract|section)\b[^()]*)\)|\bFirstCall scenario format(?: \(docs/assessment\.md\))?"
)


def _word(match: re.Match) -> str:
    code = match.group(1) if match.re is SNAKE else match.group(0)
    if code in LABELS:
        return LABELS[code]
    return code.replace("_", " ")


@register.filter
def for_people(text) -> str:
    if text is None:
        return ""
    text = str(text)
    text = DEVELOPER_PHRASES.sub("", text)
    text = DOTTED.sub(lambda match: "missing " + match.group(1).replace("_", " ")
                      if ".missing." in match.group(0) else match.group(1).replace("_", " "), text)  # fmt: skip
    return SNAKE.sub(_word, text)
