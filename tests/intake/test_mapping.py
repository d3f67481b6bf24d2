"""The mapping engine (pure, plain data) and the admin mapping editor (preview, save, permissions, replay)."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from firstcall.accounts.models import AuditEvent, User
from firstcall.intake.mapping import (
    NOT_STORED,
    MappingError,
    apply_mapping,
    compile_mapping,
    map_payload,
    validate_mapping,
)
from firstcall.intake.vendor_post.parsing import parse_form
from firstcall.leads.models import IntakeRecord, Lead
from firstcall.leads.sources import create_source
from firstcall.leads.submission import SubmissionInvalid, normalise

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


# ------------------------------------------------------------------------------------------------ engine


def test_default_mapping_reads_common_vendor_field_names_from_a_form_post():
    payload = parse_form(fixture_text("vendor_post_form.txt").strip())
    submission, unknown = apply_mapping(payload, {})
    assert submission.first_name == "jordan" and submission.last_name == "BAKER"
    assert submission.email == "jordan.baker@example.com"
    assert submission.phone == "404-555-0177"  # the cell phone wins over the home phone
    assert submission.other_phones == ["(404) 555-0133"]
    assert submission.zip == "30303"
    assert submission.purpose == "Refinance" and submission.loan_type == "VA"
    assert submission.credit_band == "Excellent"
    assert submission.property_value == Decimal("425000.00")
    assert submission.loan_balance == Decimal("210500.00")
    assert submission.veteran == "Y" and submission.first_time_buyer == "N"
    assert submission.external_id == "LT-88001"
    assert submission.consent.leadid_token == "ABCDEF12-3456-7890-ABCD-EF1234567890"
    assert submission.consent.trusted_form_url == (
        "https://cert.trustedform.com/2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"
    )
    assert submission.consent.text.startswith("By submitting I agree")
    assert (submission.consent.sms, submission.consent.email, submission.consent.calls) == (True, True, True)
    assert submission.consent.ip == "198.51.100.23"
    assert unknown == {"SubId": "aff-77", "AffiliateNote": "tier1"}
    lead = normalise(submission)
    assert (lead.phone, lead.other_phones) == ("+14045550177", ["+14045550133"])
    assert (lead.purpose, lead.loan_type, lead.veteran, lead.first_time_buyer) == (
        "rate_term_refinance", "va", True, False,
    )  # fmt: skip
    assert (lead.credit_score_low, lead.credit_score_high, lead.credit_band) == (740, 850, "excellent")


def test_keys_match_ignoring_case_and_punctuation():
    payload = {"FIRST-NAME": "Ana", "last name": "Lopez", "E_Mail": "ana@example.com", "Zip_Code": "33602"}
    submission, unknown = apply_mapping(payload, {})
    assert (submission.first_name, submission.last_name, submission.email, submission.zip) == (
        "Ana", "Lopez", "ana@example.com", "33602",
    )  # fmt: skip
    assert unknown == {}


def test_dotted_paths_list_indexes_and_selectors():
    payload = {
        "borrower": {"names": ["Ana", "Maria"], "Contact": {"Email": "ana@example.com"}},
        "phones": [{"type": "home", "n": "8135550100"}, {"type": "mobile", "n": "8135550199"}],
        "answers": [{"q": "zip", "a": "33602"}],
    }
    mapping = {
        "use_defaults": False,
        "fields": {
            "first_name": "borrower.names.0",
            "last_name": "borrower.names[-1]",
            "email": "BORROWER.contact.email",
            "phone": "phones[type=MOBILE].n",
            "other_phones": ["phones[0].n"],
            "zip": "answers[q=zip].a",
        },
    }
    submission, unknown = apply_mapping(payload, mapping)
    assert (submission.first_name, submission.last_name) == ("Ana", "Maria")
    assert submission.email == "ana@example.com"
    assert submission.phone == "8135550199" and submission.other_phones == ["8135550100"]
    assert submission.zip == "33602"
    assert unknown == {"phones[0].type": "home"}


def test_value_maps_with_ranges_fallback_and_yes_no_words():
    mapping = {
        "fields": {
            "credit_band": {
                "paths": ["Credit"],
                "map": {"Excellent": "740-850", "Good": "680-739", "*": "fair"},
            },
            "loan_type": {"paths": ["Program"], "map": {"Gov - FHA": "fha"}},
            "veteran": {"paths": ["Mil"], "map": {"Y": "yes", "N": "no"}},
        }
    }
    base = {"first_name": "Ana", "email": "ana@example.com"}
    excellent, _ = apply_mapping(
        {**base, "Credit": "  excellent ", "Program": "GOV - FHA", "Mil": "Y"}, mapping
    )
    assert (excellent.credit_band, excellent.loan_type, excellent.veteran) == ("740-850", "fha", "yes")
    lead = normalise(excellent)
    assert (lead.credit_score_low, lead.credit_score_high, lead.loan_type, lead.veteran) == (
        740,
        850,
        "fha",
        True,
    )
    other, _ = apply_mapping({**base, "Credit": "Unsure"}, mapping)
    assert other.credit_band == "fair"


def test_money_transform_reads_dollar_strings_k_suffixes_and_ranges():
    mapping = {"fields": {"purchase_price": {"paths": ["Price"], "transform": "money"}}}
    cases = {
        "$350,000": "350000.00",
        "350k": "350000.00",
        "$300,001 - $350,000": "325001",
        "USD 1,200.50": "1200.50",
    }
    for raw, expected in cases.items():
        submission, _ = apply_mapping({"Price": raw}, mapping)
        assert submission.purchase_price == Decimal(expected), raw
    unreadable, _ = apply_mapping({"Price": "call me"}, mapping)
    assert unreadable.purchase_price == "call me"  # left for normalise() to name the problem


def test_full_name_is_split_and_combine_joins_with_labels():
    mapping = {"fields": {"notes": {"combine": ["BestTime", "Comments"], "separator": " | ", "label": True}}}
    submission, unknown = apply_mapping(
        {
            "Name": "Maria de la Cruz",
            "Phone": "813-555-0101",
            "BestTime": "Evenings",
            "Comments": "Pre-approved?",
        },
        mapping,
    )
    assert (submission.first_name, submission.last_name) == ("Maria", "de la Cruz")
    assert submission.notes == "BestTime: Evenings | Comments: Pre-approved?"
    assert unknown == {}


def test_constants_and_is_test_from_a_field():
    mapping = {
        "fields": {"is_test": {"paths": ["Mode"], "map": {"test": True, "live": False}}},
        "constants": {
            "loan_type": "fha",
            "consent.calls": True,
            "consent.text": "Vendor-collected TCPA consent.",
        },
    }
    submission, _ = apply_mapping({"first_name": "Ana", "Mode": "TEST", "LoanType": "VA"}, mapping)
    assert submission.is_test is True
    assert submission.loan_type == "fha"  # a constant wins over the payload
    assert (submission.consent.calls, submission.consent.sms, submission.consent.text) == (
        True, False, "Vendor-collected TCPA consent.",
    )  # fmt: skip
    live, _ = apply_mapping({"first_name": "Ana", "Mode": "live"}, mapping)
    assert live.is_test is False


def test_unknown_fields_are_kept_by_path_without_secrets_and_with_sensitive_values_masked():
    payload = {
        "FirstName": "Ana",
        "Email": "ana@example.com",
        "key": "vendor-secret",
        "Extra": {"Affiliate": {"Password": "hunter2", "Tier": 2}, "Tags": ["a", "b"]},
        "SSN": "123-45-6789",
        "DateOfBirth": "1980-01-01",
    }
    submission, unknown = apply_mapping(payload, {"ignore": ["Extra.Tags"]})
    assert unknown == {"Extra.Affiliate.Tier": 2, "SSN": NOT_STORED, "DateOfBirth": NOT_STORED}
    assert submission.unknown_fields == unknown
    assert "vendor-secret" not in json.dumps(unknown) and "hunter2" not in json.dumps(unknown)


def test_default_names_are_found_at_any_depth_but_generic_ones_only_at_the_top():
    payload = {
        "lead": {"contact": {"FirstName": "Ana", "LastName": "Lopez", "Email": "ana@example.com"}},
        "tracking": {"name": "campaign-17", "value": "9"},
    }
    submission, unknown = apply_mapping(payload, {})
    assert (submission.first_name, submission.last_name, submission.email) == (
        "Ana",
        "Lopez",
        "ana@example.com",
    )
    assert submission.property_value is None
    assert unknown == {"tracking.name": "campaign-17", "tracking.value": "9"}


def test_loan_amount_fills_the_down_payment_of_a_purchase_or_the_balance_of_a_refinance():
    purchase, _ = apply_mapping(
        {"LoanPurpose": "Purchase", "PurchasePrice": "$400,000", "LoanAmount": "$360,000"}, {}
    )
    assert purchase.down_payment == Decimal("40000.00")
    refinance, _ = apply_mapping({"LoanPurpose": "Refinance", "LoanAmount": "250000"}, {})
    assert refinance.loan_balance == Decimal("250000.00")


def test_a_band_sent_as_credit_score_becomes_the_band():
    submission, _ = apply_mapping({"CreditScore": "Excellent (720+)"}, {})
    assert (submission.credit_score, submission.credit_band) == (None, "720+")


def test_invalid_mappings_list_every_problem():
    errors = validate_mapping(
        {
            "feilds": {},
            "fields": {
                "first_name": {"paths": ["a[0"], "transform": "shout"},
                "favourite_colour": "Colour",
                "credit_band": {"map": "Excellent"},
            },
            "constants": {"loan_type": ["fha"]},
        }
    )
    assert errors == [
        "Unknown top-level key 'feilds' (use 'fields', 'constants', 'ignore', 'use_defaults').",
        "Field 'first_name': Path 'a[0' has unbalanced brackets.",
        "Field 'first_name': unknown transform 'shout' (use one of: bool, credit, digits, first_name, int, "
        "join, last_name, lower, money, percent, strip, title, upper, url, zip5).",
        "'favourite_colour' is not a lead field a mapping can fill.",
        "Field 'credit_band': 'map' must be an object of vendor value -> our value.",
        "Constant 'loan_type' must be text, a number, true/false or null.",
    ]
    with pytest.raises(MappingError):
        apply_mapping({}, {"fields": {"first_name": {"paths": "**"}}})
    assert validate_mapping({"first_name": "FName"}) == []  # short form: rules at the top level


def test_onboarding_a_new_vendor_needs_only_a_mapping():
    payload = json.loads(fixture_text("vendor_post_nested.json"))
    mapping = json.loads(fixture_text("vendor_post_nested_mapping.json"))
    compile_mapping(mapping)
    result = map_payload(payload, mapping)
    lead = normalise(result.submission)
    assert (lead.first_name, lead.last_name, lead.email) == ("Priya", "Raman", "priya.raman@example.com")
    assert (lead.phone, lead.other_phones) == ("+15125550161", ["+15125550110"])
    assert (lead.zip_code, lead.state, lead.county) == ("78701", "TX", "Travis County")
    assert (lead.purpose, lead.loan_type, lead.property_use) == (
        "cash_out_refinance",
        "conventional",
        "primary",
    )
    assert (lead.property_value, lead.loan_balance) == (Decimal("612500.00"), Decimal("318000.00"))
    assert (lead.credit_score_low, lead.credit_score_high, lead.veteran) == (720, 739, False)
    assert lead.external_id == "AGG-5520"
    assert lead.utm == {"utm_source": "aggregator-x", "utm_campaign": "campaign-17"}
    assert lead.notes == "requested: $400,000"
    assert result.submission.consent.trusted_form_url.startswith("https://cert.trustedform.com/")
    assert result.unknown_fields == {
        "lead.applicant.contact.emails[0].type": "work",
        "lead.applicant.contact.emails[0].address": "priya@corp.example.com",
    }


def test_hostile_payload_sizes_stay_bounded():
    wide = {f"field_{n}": "x" * 2000 for n in range(5000)}
    submission, unknown = apply_mapping({**wide, "first_name": "Ana"}, {})
    assert submission.first_name == "Ana"
    assert len(unknown) == 100 and all(len(value) == 500 for value in unknown.values())


# ------------------------------------------------------------------------------------------------ editor


@pytest.fixture
def vendor_source(organisation):
    source, issued = create_source(organisation, channel="vendor_post", name="Rate Shoppers", vendor="RS")
    source.raw_key = issued["secret"]
    return source


def post_lead(client, source, body, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        f"/hooks/post/{source.pk}/",
        data=data,
        content_type=content_type,
        headers={"X-Api-Key": source.raw_key},
    )


def mapping_url(source):
    return f"/sources/{source.pk}/mapping/"


def test_editor_shows_the_mapping_with_the_page_token_hidden(client, admin_user, organisation):
    source, _ = create_source(organisation, channel="meta", name="Facebook", mapping={
        "page_access_token": "EAAG-page-token", "fields": {"credit_band": ["credit?"]},
    })  # fmt: skip
    client.force_login(admin_user)
    response = client.get(mapping_url(source))
    assert response.status_code == 200
    page = response.content.decode()
    assert "&quot;page_access_token&quot;: &quot;[hidden]&quot;" in page
    assert "EAAG-page-token" not in page
    assert "&quot;credit?&quot;" in page


def test_preview_applies_the_draft_to_the_last_payload_without_saving(client, admin_user, vendor_source):
    post_lead(client, vendor_source, {"Who": "<script>alert(1)</script> Lopez", "Mail": "ana@example.com"})
    client.force_login(admin_user)
    draft = {"fields": {"full_name": "Who", "email": "Mail"}}
    response = client.post(mapping_url(vendor_source), {"mapping": json.dumps(draft), "action": "preview"})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.record == IntakeRecord.objects.get()
    assert preview.submission["first_name"] == "<script>alert(1)</script>"
    assert preview.normalised["email"] == "ana@example.com" and preview.field_errors == {}
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Would be accepted" in page
    vendor_source.refresh_from_db()
    assert vendor_source.field_mapping == {}
    assert not AuditEvent.objects.filter(action="lead_source.mapping_changed").exists()


def test_preview_shows_normalise_errors_beside_the_submission(client, admin_user, vendor_source):
    post_lead(client, vendor_source, {"FirstName": "Ana", "Phone": "12", "Zip": "33602"})
    client.force_login(admin_user)
    response = client.post(mapping_url(vendor_source), {"mapping": "{}", "action": "preview"})
    preview = response.context["preview"]
    assert preview.submission["phone"] == "12"
    assert set(preview.field_errors) == {"phone"}
    assert "Would be rejected" in response.content.decode()


def test_invalid_draft_is_refused_with_reasons_and_nothing_is_saved(client, admin_user, vendor_source):
    client.force_login(admin_user)
    response = client.post(mapping_url(vendor_source), {"mapping": "{not json", "action": "save"})
    assert response.status_code == 400
    assert response.context["errors"][0].startswith("Not valid JSON:")
    response = client.post(
        mapping_url(vendor_source), {"mapping": '{"fields": {"shoe_size": "x"}}', "action": "save"}
    )
    assert response.status_code == 400
    assert response.context["errors"] == ["'shoe_size' is not a lead field a mapping can fill."]
    vendor_source.refresh_from_db()
    assert vendor_source.field_mapping == {}
    assert not AuditEvent.objects.filter(action="lead_source.mapping_changed").exists()


def test_save_stores_the_mapping_keeps_the_hidden_token_and_is_audited(client, admin_user, organisation):
    source, _ = create_source(
        organisation, channel="meta", name="Facebook", mapping={"page_access_token": "EAAG-tok"}
    )
    client.force_login(admin_user)
    draft = {"page_access_token": "[hidden]", "fields": {"credit_band": ["what_is_your_credit_score?"]}}
    response = client.post(mapping_url(source), {"mapping": json.dumps(draft), "action": "save"})
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.field_mapping == {
        "page_access_token": "EAAG-tok", "fields": {"credit_band": ["what_is_your_credit_score?"]},
    }  # fmt: skip
    event = AuditEvent.objects.get(action="lead_source.mapping_changed")
    assert event.actor == admin_user and event.organisation == organisation
    assert event.detail == {
        "source": source.pk, "keys_before": ["page_access_token"],
        "keys_after": ["fields", "page_access_token"], "fields_after": ["credit_band"],
    }  # fmt: skip
    assert "EAAG-tok" not in json.dumps(event.detail)


@pytest.mark.parametrize(
    "role", [User.Role.MANAGER, User.Role.LOAN_OFFICER, User.Role.PROCESSOR]
)  # partners: tests/web/test_partner_has_no_workspace.py
def test_only_org_admins_may_see_or_change_a_mapping(client, organisation, vendor_source, role):
    user = User.objects.create_user(
        username=f"u-{role}", password="pw-123456789", organisation=organisation, role=role
    )
    client.force_login(user)
    assert client.get(mapping_url(vendor_source)).status_code == 403
    response = client.post(mapping_url(vendor_source), {"mapping": '{"first_name": "X"}', "action": "save"})
    assert response.status_code == 403
    vendor_source.refresh_from_db()
    assert vendor_source.field_mapping == {}
    assert not AuditEvent.objects.filter(action="lead_source.mapping_changed").exists()


def test_another_organisations_admin_cannot_reach_the_source(client, other_organisation, vendor_source):
    stranger = User.objects.create_user(
        username="stranger", password="pw-123456789", organisation=other_organisation, role=User.Role.ADMIN
    )
    client.force_login(stranger)
    assert client.get(mapping_url(vendor_source)).status_code == 404
    assert client.post(mapping_url(vendor_source), {"mapping": "{}", "action": "save"}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, vendor_source):
    response = client.get(mapping_url(vendor_source))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_fixing_the_mapping_then_replaying_a_rejected_record_creates_the_lead(
    client, admin_user, vendor_source
):
    body = {"Applicant": {"GivenName": "Ana", "FamilyName": "Lopez"}, "Contact": {"Cell": "813-555-0199"}}
    response = post_lead(client, vendor_source, body)
    assert response.status_code == 422
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED and not Lead.objects.exists()

    client.force_login(admin_user)
    draft = {"fields": {"first_name": "Applicant.GivenName", "last_name": "Applicant.FamilyName",
                        "phone": "Contact.Cell"}}  # fmt: skip
    preview = client.post(mapping_url(vendor_source), {"mapping": json.dumps(draft), "action": "preview"})
    assert preview.context["preview"].is_valid
    client.post(mapping_url(vendor_source), {"mapping": json.dumps(draft), "action": "save"})
    response = client.post(f"/intake/{record.pk}/replay/")
    assert response.status_code == 302
    record.refresh_from_db()
    lead = Lead.objects.get()
    assert record.status == IntakeRecord.Status.ACCEPTED and record.lead == lead
    assert (lead.first_name, lead.last_name, lead.phone) == ("Ana", "Lopez", "+18135550199")
    assert AuditEvent.objects.filter(action="intake.replayed", actor=admin_user).count() == 1


def test_normalise_of_a_mapped_submission_raises_field_errors_not_crashes():
    submission, _ = apply_mapping({"FirstName": ["Ana"], "Email": {"nested": "x"}, "Zip": True}, {})
    with pytest.raises(SubmissionInvalid) as invalid:
        normalise(submission)
    assert set(invalid.value.errors) == {
        "phone"
    }  # no usable email or phone: the object and boolean were skipped
