"""The touch gate as a pure function: windows in local time, consent per (channel, address), internal and
National DNC with the EBR exceptions, the FL/OK/MD cap over calls and texts, CAN-SPAM sender identity."""

import ast
import pathlib
from datetime import UTC, date, datetime, timedelta

import pytest

from firstcall.compliance.engine import (
    ALLOW,
    HOLD,
    REFUSE,
    ConsentRecord,
    DoNotCall,
    PastTouch,
    Sender,
    Touch,
    TouchError,
    decide,
    decide_json,
    touch_from_json,
)

TAMPA = "+18135550142"  # 813: Tampa, Florida
SEATTLE = "+12065550142"
ATLANTA = "+14045550142"
GIVEN = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def consent(channel="sms", address=TAMPA, given_at=GIVEN, revoked_at=None, written=False):
    return ConsentRecord(channel, address, given_at, revoked_at, written)


def touch(at, *, channel="sms", kind="marketing", to=TAMPA, zip="33602", state="FL", consents=None, **extra):
    if consents is None:
        consents = (consent(channel, to),)
    return Touch(
        channel=channel, kind=kind, to=to, at=at, zip=zip, state=state, consent=tuple(consents), **extra
    )


def rules(decision, outcome=None):
    return [r.rule for r in decision.reasons if outcome is None or r.outcome == outcome]


# ------------------------------------------------------------------------------------------------ windows


def test_text_to_tampa_at_noon_local_is_allowed_with_every_check_listed():
    decision = decide(touch(utc(2026, 7, 14, 16, 0)))  # 12:00 EDT
    assert decision.outcome == ALLOW and decision.until is None
    assert rules(decision) == ["consent.sms", "dnc.national", "window.federal", "cap.state_24h"]
    assert decision.rule_versions["window.federal"] == "2026-12-07"
    assert "window.state" in decision.rule_versions


def test_text_before_eight_local_is_held_until_eight_local():
    decision = decide(touch(utc(2026, 7, 14, 11, 30)))  # 07:30 EDT
    assert decision.outcome == HOLD
    assert decision.until == utc(2026, 7, 14, 12, 0)  # 08:00 EDT
    reason = decision.reasons[0]
    assert reason.rule == "window.federal" and "07:30" in reason.detail
    assert "47 CFR 64.1200(c)(1)" in reason.citation and "501.616" in reason.citation


def test_florida_ends_at_eight_pm_where_federal_would_allow_until_nine():
    decision = decide(touch(utc(2026, 7, 15, 0, 30)))  # 20:30 EDT Tuesday
    assert decision.outcome == HOLD
    assert decision.until == utc(2026, 7, 15, 12, 0)
    assert "FL 08:00-20:00" in decision.reasons[0].detail


def test_georgia_allows_until_nine_pm():
    decision = decide(touch(utc(2026, 7, 15, 0, 30), to=ATLANTA, zip="30303", state="GA"))
    assert decision.outcome == ALLOW


def test_call_follows_the_same_window_as_a_text():
    decision = decide(touch(utc(2026, 7, 15, 0, 30), channel="call"))
    assert decision.outcome == HOLD and decision.until == utc(2026, 7, 15, 12, 0)


def test_texas_sunday_waits_for_noon():
    # 2026-07-19 is a Sunday; 10:00 CDT in Houston.
    decision = decide(touch(utc(2026, 7, 19, 15, 0), to="+17135550142", zip="77002", state="TX"))
    assert decision.outcome == HOLD
    assert decision.until == utc(2026, 7, 19, 17, 0)  # 12:00 CDT


def test_alabama_forbids_sundays_and_state_holidays():
    sunday = decide(touch(utc(2026, 7, 19, 16, 0), to="+12055550142", zip="35203", state="AL"))
    assert sunday.outcome == HOLD and sunday.until == utc(2026, 7, 20, 13, 0)  # Monday 08:00 CDT
    christmas = decide(touch(utc(2026, 12, 25, 17, 0), to="+12055550142", zip="35203", state="AL"))
    assert christmas.outcome == HOLD
    assert "holiday" in christmas.reasons[0].detail
    assert christmas.until == utc(2026, 12, 26, 14, 0)  # Saturday 08:00 CST


def test_unknown_state_and_zip_use_the_strictest_of_the_area_code_and_zip_candidates():
    # Seattle number with a Tampa ZIP: 08:30 in Tampa is 05:30 in Seattle, so wait for 08:00 Pacific.
    decision = decide(touch(utc(2026, 7, 14, 12, 30), to=SEATTLE, zip="33602", state=""))
    assert decision.outcome == HOLD and decision.until == utc(2026, 7, 14, 15, 0)
    # Unknown ZIP and state: the 813 area code makes Florida's 8 p.m. end apply.
    decision = decide(touch(utc(2026, 7, 15, 0, 30), zip="00000", state="ZZ"))
    assert decision.outcome == HOLD
    assert "unknown" in decision.reasons[0].detail and "strictest" in decision.reasons[0].detail


def test_area_code_state_applies_even_when_the_address_is_elsewhere():
    # Florida area code, Georgia address: Florida presumes the area code (501.059(8)(d)).
    decision = decide(touch(utc(2026, 7, 15, 0, 30), zip="30303", state="GA"))
    assert decision.outcome == HOLD


def test_transactional_text_is_held_by_the_policy_window_but_not_capped():
    past = tuple(PastTouch("sms", utc(2026, 7, 14, 13 + i, 0)) for i in range(3))
    decision = decide(touch(utc(2026, 7, 14, 17, 0), kind="transactional", touches_last_24h=past))
    assert decision.outcome == ALLOW and "cap.state_24h" not in rules(decision)
    late = decide(touch(utc(2026, 7, 15, 2, 0), kind="transactional"))
    assert late.outcome == HOLD and late.reasons[0].rule == "window.policy"


def test_answer_to_the_recipients_own_request_goes_at_once():
    decision = decide(touch(utc(2026, 7, 15, 7, 0), kind="transactional", is_response=True))
    assert decision.outcome == ALLOW and rules(decision) == ["response.exempt"]


# ------------------------------------------------------------------------------------------------- address


@pytest.mark.parametrize("bad", ["12345", "+1813555", "not a number", "+44", "", "+10005550142"])
def test_malformed_phone_number_refuses_the_touch(bad):
    decision = decide(touch(utc(2026, 7, 14, 16, 0), to=bad))
    assert decision.outcome == REFUSE
    assert decision.reasons[0].rule == "address.phone"


def test_malformed_email_refuses_the_touch():
    decision = decide(touch(utc(2026, 7, 14, 16, 0), channel="email", to="maria@", kind="transactional"))
    assert decision.outcome == REFUSE and decision.reasons[0].rule == "address.email"


# ------------------------------------------------------------------------------------------------- consent


def test_no_consent_refuses():
    decision = decide(touch(utc(2026, 7, 14, 16, 0), consents=()))
    assert decision.outcome == REFUSE
    assert decision.reasons[0].rule == "consent.sms"
    assert "no text consent on file for +18135550142" in decision.reasons[0].detail


def test_consent_belongs_to_the_number_it_was_given_for():
    decision = decide(touch(utc(2026, 7, 14, 16, 0), consents=(consent(address="+18135550199"),)))
    assert decision.outcome == REFUSE


def test_consent_is_matched_whatever_the_number_formatting():
    decision = decide(touch(utc(2026, 7, 14, 16, 0), consents=(consent(address="(813) 555-0142"),)))
    assert decision.outcome == ALLOW


def test_consent_is_per_channel():
    decision = decide(touch(utc(2026, 7, 14, 16, 0), channel="call", consents=(consent("sms"),)))
    assert decision.outcome == REFUSE and decision.reasons[0].rule == "consent.call"


def test_revoked_consent_refuses_with_the_revocation_time():
    revoked = consent(revoked_at=utc(2026, 7, 1, 9, 15))
    decision = decide(touch(utc(2026, 7, 14, 16, 0), consents=(revoked,)))
    assert decision.outcome == REFUSE
    assert "revoked at 2026-07-01 09:15 UTC" in decision.reasons[0].detail
    # Before the revocation the same consent was good.
    assert decide(touch(utc(2026, 6, 30, 16, 0), consents=(revoked,))).outcome == ALLOW


def test_consent_given_after_the_touch_does_not_count():
    decision = decide(touch(utc(2026, 1, 5, 14, 0), consents=(consent(given_at=utc(2026, 1, 5, 15, 0)),)))
    assert decision.outcome == REFUSE


def test_consent_given_again_after_a_revocation_counts():
    history = (consent(revoked_at=utc(2026, 3, 1)), consent(given_at=utc(2026, 4, 1)))
    assert decide(touch(utc(2026, 7, 14, 16, 0), consents=history)).outcome == ALLOW


# ------------------------------------------------------------------------------------------------- do not call


def test_internal_do_not_call_refuses_calls_and_marketing_but_not_a_transactional_text():
    dnc = DoNotCall(internal=True)
    assert decide(touch(utc(2026, 7, 14, 16, 0), dnc=dnc)).outcome == REFUSE
    assert (
        decide(touch(utc(2026, 7, 14, 16, 0), channel="call", kind="transactional", dnc=dnc)).outcome
        == REFUSE
    )
    assert decide(touch(utc(2026, 7, 14, 16, 0), kind="manual", dnc=dnc)).reasons[0].rule == "dnc.internal"
    assert decide(touch(utc(2026, 7, 14, 16, 0), kind="transactional", dnc=dnc)).outcome == ALLOW


def test_national_dnc_without_a_relationship_refuses():
    decision = decide(touch(utc(2026, 7, 14, 16, 0), channel="call", dnc=DoNotCall(national=True)))
    assert decision.outcome == REFUSE
    assert decision.reasons[0].rule == "dnc.national"
    assert "no established business relationship" in decision.reasons[0].detail


def test_national_dnc_inquiry_gives_three_months_with_the_dates_shown():
    dnc = DoNotCall(national=True, last_inquiry_on=date(2026, 5, 20))
    allowed = decide(touch(utc(2026, 8, 20, 16, 0), channel="call", dnc=dnc))
    assert allowed.outcome == ALLOW
    detail = next(r.detail for r in allowed.reasons if r.rule == "dnc.national")
    assert "inquiry or application 2026-05-20 + 3 months = 2026-08-20" in detail
    refused = decide(touch(utc(2026, 8, 21, 16, 0), channel="call", dnc=dnc))
    assert refused.outcome == REFUSE and "ended" in refused.reasons[0].detail


def test_national_dnc_transaction_gives_eighteen_months():
    dnc = DoNotCall(national=True, last_transaction_on=date(2025, 2, 28))
    assert decide(touch(utc(2026, 8, 28, 16, 0), dnc=dnc)).outcome == ALLOW
    refused = decide(touch(utc(2026, 8, 29, 16, 0), dnc=dnc))
    assert refused.outcome == REFUSE
    assert "2025-02-28 + 18 months = 2026-08-28" in refused.reasons[0].detail


def test_national_dnc_ebr_until_date_from_the_caller():
    dnc = DoNotCall(national=True, ebr_until=date(2026, 9, 1))
    decision = decide(touch(utc(2026, 7, 14, 16, 0), dnc=dnc))
    assert decision.outcome == ALLOW
    assert "until 2026-09-01" in next(r.detail for r in decision.reasons if r.rule == "dnc.national")


def test_national_dnc_signed_written_agreement_naming_the_number_allows():
    decision = decide(
        touch(utc(2026, 7, 14, 16, 0), consents=(consent(written=True),), dnc=DoNotCall(national=True))
    )
    assert decision.outcome == ALLOW


def test_national_dnc_does_not_apply_to_transactional_touches():
    decision = decide(touch(utc(2026, 7, 14, 16, 0), kind="transactional", dnc=DoNotCall(national=True)))
    assert decision.outcome == ALLOW


# -------------------------------------------------------------------------------------------------- caps


def test_florida_counts_calls_and_texts_together_three_per_24_hours():
    past = (
        PastTouch("sms", utc(2026, 7, 14, 13, 0)),
        PastTouch("call", utc(2026, 7, 14, 14, 0)),
        PastTouch("sms", utc(2026, 7, 14, 15, 0)),
    )
    decision = decide(touch(utc(2026, 7, 14, 16, 0), channel="call", touches_last_24h=past))
    assert decision.outcome == HOLD
    assert decision.until == utc(2026, 7, 15, 13, 0)
    assert decision.reasons[0].rule == "cap.state_24h"
    assert "calls and texts together" in decision.reasons[0].detail
    two = decide(touch(utc(2026, 7, 14, 16, 0), channel="call", touches_last_24h=past[:2]))
    assert two.outcome == ALLOW


def test_email_does_not_count_toward_the_call_and_text_cap():
    past = tuple(PastTouch("email", utc(2026, 7, 14, 13 + i, 0)) for i in range(3))
    assert decide(touch(utc(2026, 7, 14, 16, 0), touches_last_24h=past)).outcome == ALLOW


def test_cap_opening_at_night_waits_for_the_window():
    past = tuple(PastTouch("sms", utc(2026, 7, 14, 23, 0) + timedelta(minutes=i)) for i in range(3))
    decision = decide(touch(utc(2026, 7, 14, 23, 30), touches_last_24h=past))
    # The cap frees a slot at 23:00 UTC next day (19:00 EDT): inside Florida's window.
    assert decision.outcome == HOLD and decision.until == utc(2026, 7, 15, 23, 0)
    past = tuple(PastTouch("sms", utc(2026, 7, 15, 1, 0) + timedelta(minutes=i)) for i in range(3))
    decision = decide(touch(utc(2026, 7, 15, 1, 30), touches_last_24h=past))
    assert decision.outcome == HOLD and decision.until == utc(2026, 7, 16, 12, 0)  # next 08:00 EDT


@pytest.mark.parametrize(
    ("to", "zip", "state"), [("+14055550142", "73102", "OK"), ("+14105550142", "21201", "MD")]
)
def test_oklahoma_and_maryland_have_the_same_cap(to, zip, state):
    past = tuple(PastTouch("call", utc(2026, 7, 14, 15, i)) for i in range(3))
    decision = decide(touch(utc(2026, 7, 14, 17, 0), to=to, zip=zip, state=state, touches_last_24h=past))
    assert decision.outcome == HOLD and decision.reasons[0].rule == "cap.state_24h"


def test_states_without_a_cap_allow_a_fourth_touch():
    past = tuple(PastTouch("sms", utc(2026, 7, 14, 13 + i, 0)) for i in range(3))
    assert decide(
        touch(utc(2026, 7, 14, 17, 0), to=ATLANTA, zip="30303", state="GA", touches_last_24h=past)
    ).allowed


def test_manual_send_by_a_loan_officer_still_obeys_the_law():
    past = tuple(PastTouch("sms", utc(2026, 7, 14, 13 + i, 0)) for i in range(3))
    assert decide(touch(utc(2026, 7, 14, 17, 0), kind="manual", touches_last_24h=past)).outcome == HOLD
    assert decide(touch(utc(2026, 7, 15, 2, 0), kind="manual")).outcome == HOLD


# -------------------------------------------------------------------------------------------------- email


def test_marketing_email_without_a_postal_address_is_refused():
    email_touch = dict(channel="email", to="maria@example.com", zip="33602")
    refused = decide(touch(utc(2026, 7, 15, 3, 0), sender=Sender(postal_address=""), **email_touch))
    assert refused.outcome == REFUSE and refused.reasons[0].rule == "canspam.postal_address"
    allowed = decide(touch(utc(2026, 7, 15, 3, 0), sender=Sender(postal_address="1 Main St"), **email_touch))
    assert allowed.outcome == ALLOW  # email has no calling window


def test_email_consent_is_matched_without_regard_to_case():
    decision = decide(
        touch(
            utc(2026, 7, 14, 16, 0),
            channel="email",
            to="Maria@Example.com",
            consents=(consent("email", "maria@example.com"),),
        )
    )
    assert decision.outcome == ALLOW


# --------------------------------------------------------------------------------------------------- JSON


def contract_touch(**changes):
    data = {
        "channel": "sms",
        "kind": "marketing",
        "to": TAMPA,
        "zip": "33602",
        "state": "FL",
        "at": "2026-07-14T11:30:00Z",
        "consent": [
            {"channel": "sms", "address": TAMPA, "given_at": "2026-01-05T15:00:00Z", "revoked_at": None}
        ],
        "touches_last_24h": [],
        "dnc": {"internal": False, "national": False, "ebr_until": None},
    }
    data.update(changes)
    return data


def test_json_contract_output():
    result = decide_json(contract_touch())
    assert set(result) == {"decision", "until", "reasons"}
    assert result["decision"] == "hold" and result["until"] == "2026-07-14T12:00:00Z"
    assert all(set(reason) == {"rule", "citation", "detail"} for reason in result["reasons"])


@pytest.mark.parametrize(
    "changes",
    [
        {"channel": "fax"},
        {"kind": "promo"},
        {"at": "yesterday"},
        {"at": "2026-07-14T11:30:00"},  # no zone
        {"at": None},
        {"to": 8135550142},
        {"consent": {"channel": "sms"}},
        {"consent": [{"channel": "sms", "address": TAMPA, "given_at": "soon"}]},
        {"touches_last_24h": [{"channel": "sms"}]},
        {"dnc": {"internal": "yes"}},
        {"dnc": {"national": True, "ebr_until": "next year"}},
    ],
)
def test_malformed_touches_raise(changes):
    with pytest.raises(TouchError):
        touch_from_json(contract_touch(**changes))


def test_non_object_json_raises():
    for raw in ("[]", "not json", "42"):
        with pytest.raises(TouchError):
            touch_from_json(raw)


def test_engine_imports_nothing_from_django():
    engine = pathlib.Path(__file__).parents[2] / "firstcall" / "compliance" / "engine"
    for path in engine.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("django"), f"{path.name} imports {name}"
                if name.startswith("firstcall."):
                    assert name.startswith(("firstcall.compliance.engine", "firstcall.lib")), name
