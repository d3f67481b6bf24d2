"""The demo's held and refused touches, made by the real gate."""

import time_machine

from firstcall.compliance.models import TouchDecision
from firstcall.flows.compliance_examples import seed_compliance_examples
from firstcall.leads.models import TimelineEvent
from firstcall.messaging.models import Message
from tests.outside_services import eastern
from tests.outside_services import tampa_borrower as make_lead


@time_machine.travel(eastern(2026, 3, 10, 10, 0), tick=False)
def test_demo_examples_show_a_held_and_refused_touches_with_reasons(organisation, owner):
    for number in ("+18135550111", "+18135550112", "+18135550113"):
        make_lead(organisation, owner=owner, phone=number, consent_calls=True)
    used = seed_compliance_examples(organisation)
    held = TouchDecision.objects.get(lead_id=used["held_call"])
    assert held.outcome == "hold" and held.reasons[0]["rule"] == "window.federal"
    refused = TouchDecision.objects.get(lead_id=used["national_dnc_call"])
    assert refused.outcome == "refuse" and refused.reasons[0]["rule"] == "dnc.national"
    text = Message.objects.get(lead_id=used["no_consent_text"])
    decision = TouchDecision.objects.get(subject_type="message", subject_id=text.pk)
    assert decision.outcome == "refuse" and decision.reasons[0]["rule"] == "consent.sms"
    summaries = list(TimelineEvent.objects.filter(kind="call").values_list("summary", flat=True))
    assert any(s.startswith("Call held until") for s in summaries)
    assert any(s.startswith("Call refused: on the National DNC Registry") for s in summaries)
