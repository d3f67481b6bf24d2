import pytest

from firstcall.flows.lead_arrives import lead_arrives as capture
from firstcall.leads.models import Consent, Inquiry, IntakeRecord, Lead, Stage, TimelineEvent
from firstcall.leads.submission import ConsentInput, LeadSubmission


def intake(source, channel="api"):
    return IntakeRecord.objects.create(organisation=source.organisation, source=source, channel=channel)


def submission(**fields):
    defaults = {"first_name": "Ana", "last_name": "Lopez", "email": "ana@example.com", "phone": "8135550199",
                "zip": "33602", "purpose": "purchase"}  # fmt: skip
    defaults.update(fields)
    return LeadSubmission(**defaults)


def run_capture(source, sub):
    return capture(sub, organisation=source.organisation, intake_record=intake(source), source=source)


def test_new_borrower_creates_a_lead_in_the_first_stage_of_the_right_pipeline(api_source):
    result = run_capture(api_source, submission(purpose="cash out"))
    assert result.outcome == "created"
    lead = Lead.objects.get()
    assert lead.pipeline.kind == "refinance"
    assert lead.stage.name == "New"
    assert result.intake_record.status == IntakeRecord.Status.ACCEPTED
    assert result.intake_record.lead == lead
    kinds = list(lead.timeline.values_list("kind", flat=True))
    assert kinds.count(TimelineEvent.Kind.CREATED) == 1 and TimelineEvent.Kind.MERGED not in kinds


def test_same_email_merges_into_the_open_lead_as_a_new_inquiry(api_source):
    first = run_capture(api_source, submission(phone="8135550100", credit_score=680))
    second = run_capture(api_source, submission(phone="8135550111", credit_score=720, notes="second visit"))
    assert second.outcome == "merged"
    assert second.lead.pk == first.lead.pk
    assert second.match_reason == "same email address"
    lead = Lead.objects.get()
    assert lead.inquiry_count == 2
    assert Inquiry.objects.filter(lead=lead).count() == 2
    assert lead.credit_score_low == 720
    assert lead.other_phones == ["+18135550111"]
    change = lead.timeline.get(kind=TimelineEvent.Kind.FIELD_CHANGED)
    assert change.data["changes"]["credit_score_low"] == [680, 720]


def test_duplicate_phone_merges_into_open_lead(api_source):
    run_capture(api_source, submission(email="first@example.com"))
    result = run_capture(api_source, submission(email="", first_name="Anita"))
    assert result.outcome == "merged"
    assert result.match_reason == "same mobile number"


def test_same_name_and_zip_is_a_new_lead_flagged_for_review_when_contact_details_differ(api_source):
    first = run_capture(api_source, submission(email="one@example.com", phone="8135550100"))
    result = run_capture(
        api_source, submission(email="two@example.com", phone="8135550222", first_name="ANA")
    )
    assert result.outcome == "created" and result.lead.pk != first.lead.pk
    assert result.match_reason.endswith("(same name and ZIP code): for review")


def test_other_organisations_leads_are_never_matched(api_source, other_organisation):
    from firstcall.leads.sources import create_source

    other_source, _ = create_source(other_organisation, channel="api", name="Other")
    run_capture(api_source, submission())
    result = run_capture(other_source, submission())
    assert result.outcome == "created"
    assert Lead.objects.count() == 2


def test_lost_lead_is_reopened_when_the_borrower_returns(api_source):
    first = run_capture(api_source, submission())
    lost = first.lead.pipeline.stages.get(outcome=Stage.Outcome.LOST)
    Lead.objects.filter(pk=first.lead.pk).update(stage=lost, lost_reason="went quiet")
    result = run_capture(api_source, submission(external_id="again"))
    assert result.outcome == "merged"
    lead = Lead.objects.get()
    assert lead.stage.name == "New"
    assert lead.lost_reason == ""
    assert lead.timeline.filter(kind=TimelineEvent.Kind.REOPENED).exists()


def test_closed_lead_is_linked_not_reopened_when_the_organisation_says_so(api_source):
    organisation = api_source.organisation
    organisation.reopen_closed_leads = False
    organisation.save()
    first = run_capture(api_source, submission())
    won = first.lead.pipeline.stages.get(outcome=Stage.Outcome.WON)
    Lead.objects.filter(pk=first.lead.pk).update(stage=won)
    result = run_capture(api_source, submission(external_id="new-purchase"))
    assert result.outcome == "created"
    assert result.lead.previous_lead_id == first.lead.pk
    assert "closed, linked" in result.match_reason


def test_retried_delivery_with_the_same_vendor_id_returns_the_first_result(api_source):
    first = run_capture(api_source, submission(external_id="V-1"))
    retry = run_capture(api_source, submission(external_id="V-1"))
    assert retry.is_replay and retry.outcome == "created" and retry.lead.pk == first.lead.pk
    assert retry.intake_record.status == IntakeRecord.Status.DUPLICATE
    assert Inquiry.objects.count() == 1
    assert IntakeRecord.objects.count() == 2


def test_retried_delivery_without_vendor_id_is_recognised_by_its_content(api_source):
    run_capture(api_source, submission())
    retry = run_capture(api_source, submission())
    assert retry.is_replay
    assert Inquiry.objects.count() == 1


def test_consent_is_recorded_with_its_proof_per_channel(api_source):
    consent = ConsentInput(sms=True, email=True, calls=False, text="I agree to texts", ip="203.0.113.9",
                           user_agent="UA", page_url="https://acme.test/apply",
                           trusted_form_url="https://cert.trustedform.com/abc", leadid_token="LEADID-1")  # fmt: skip
    result = run_capture(api_source, submission(consent=consent))
    lead = Lead.objects.get(pk=result.lead.pk)
    assert (lead.consent_sms, lead.consent_email, lead.consent_calls) == (True, True, False)
    proof = Consent.objects.get(lead=lead, channel="sms")
    assert proof.disclosure_text == "I agree to texts"
    assert proof.ip_address == "203.0.113.9"
    assert proof.trusted_form_url == "https://cert.trustedform.com/abc"
    assert proof.leadid_token == "LEADID-1"
    assert lead.timeline.filter(kind=TimelineEvent.Kind.CONSENT_RECORDED).exists()


def test_invalid_submission_is_rejected_and_kept_with_field_errors(api_source):
    result = run_capture(api_source, submission(email="bad", phone="1", unknown_fields={"x": 1}))
    assert result.outcome == "rejected"
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED
    assert set(record.field_errors) == {"email", "phone"}
    assert record.unknown_fields == {"x": 1}
    assert not Lead.objects.exists()


def test_income_is_encrypted_at_rest(api_source):
    from django.db import connection

    result = run_capture(api_source, submission(annual_income="$96,000"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT annual_income FROM leads_lead WHERE id = %s", [result.lead.pk])
        stored = cursor.fetchone()[0]
    assert "96000" not in stored
    assert str(Lead.objects.get().annual_income) == "96000.00"


@pytest.mark.parametrize("hostile", ["Robert'); DROP TABLE leads_lead;--", "1 OR 1=1", "%' OR '%'='"])
def test_sql_looking_names_are_stored_as_plain_text(api_source, hostile):
    result = run_capture(api_source, submission(first_name=hostile, last_name="X"))
    # Name casing may change ("OR" becomes "Or"); the characters themselves are stored untouched.
    assert Lead.objects.get(pk=result.lead.pk).first_name.lower() == hostile.strip().lower()
