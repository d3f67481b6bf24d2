"""Dedupe that never merges strangers: automatic merges only on a verified identity; name matches go to a
review queue where a person merges (each consent keeping its own number) or keeps the leads apart."""

import pytest

from firstcall.leads.dedupe import emails_look_alike
from firstcall.leads.models import Consent, Inquiry, IntakeRecord, Lead, PossibleDuplicate
from firstcall.leads.services import capture
from firstcall.leads.sources import create_source
from firstcall.leads.submission import ConsentInput, LeadSubmission
from tests.conftest import make_user

ANA_ZIP = {"first_name": "Ana", "last_name": "Lopez", "zip": "33602", "purpose": "purchase"}
CONSENT = ConsentInput(sms=True, calls=True, email=True, text="I agree to be contacted", ip="203.0.113.7")


def run_capture(source, **fields):
    record = IntakeRecord.objects.create(organisation=source.organisation, source=source, channel="api")
    return capture(
        LeadSubmission(**fields), organisation=source.organisation, intake_record=record, source=source
    )


def four_different_anas(source):
    return [
        run_capture(
            source,
            **ANA_ZIP,
            email=f"ana{index}@example{index}.com",
            phone=f"81355501{index}0",
            consent=CONSENT,
        )  # fmt: skip
        for index in range(1, 5)
    ]


def test_four_people_named_ana_lopez_in_one_zip_stay_four_leads_linked_for_review(api_source):
    results = four_different_anas(api_source)
    assert [result.outcome for result in results] == ["created"] * 4
    assert Lead.objects.count() == 4
    assert PossibleDuplicate.objects.filter(status="open", reason="same name and ZIP code").count() == 3
    for result in results:
        lead = result.lead
        assert lead.other_phones == []
        sms = Consent.objects.get(lead=lead, channel="sms")
        assert sms.address == lead.phone
        assert Consent.objects.get(lead=lead, channel="email").address == lead.email


@pytest.mark.parametrize(
    "second, reason",
    [
        ({"email": "ana@example.com", "phone": "8135550222"}, "same email address"),
        ({"email": "other@example.com", "phone": "8135550100"}, "same mobile number"),
        ({"email": "other@example.com", "phone": "8135550222", "external_id": "BR-1"}, "same vendor lead id"),
    ],
)
def test_a_verified_identity_merges_automatically(api_source, second, reason):
    run_capture(api_source, **ANA_ZIP, email="ana@example.com", phone="8135550100", external_id="BR-1")
    second_fields = {**ANA_ZIP, **second}
    if "external_id" not in second:
        second_fields["external_id"] = "BR-2"
    result = run_capture(api_source, **second_fields)
    if reason == "same vendor lead id":  # the vendor sent its lead again: the first result comes back
        assert (result.outcome, result.is_replay) == ("created", True)
    else:
        assert (result.outcome, result.match_reason) == ("merged", reason)
    assert Lead.objects.count() == 1 and not PossibleDuplicate.objects.exists()


def test_the_same_vendor_lead_id_from_another_vendor_is_someone_else(api_source, organisation):

    other_vendor, _ = create_source(organisation, channel="api", name="Other vendor")
    run_capture(api_source, first_name="Ana", last_name="Lopez", email="ana@example.com", external_id="1001")
    result = run_capture(
        other_vendor, first_name="Ben", last_name="Ng", email="ben@example.com", external_id="1001"
    )
    assert result.outcome == "created" and Lead.objects.count() == 2


def test_same_name_and_a_similar_email_elsewhere_is_flagged_not_merged(api_source):
    first = run_capture(
        api_source, first_name="Ana", last_name="Lopez", zip="33602", email="ana.lopez@gmail.com"
    )
    second = run_capture(
        api_source, first_name="Ana", last_name="Lopez", zip="78701", email="analopez@yahoo.com"
    )
    assert second.outcome == "created"
    pair = PossibleDuplicate.objects.get()
    assert (pair.lead, pair.existing_lead, pair.reason) == (
        second.lead, first.lead, "same name and a similar email address",
    )  # fmt: skip


def test_a_different_name_in_the_same_zip_is_not_even_flagged(api_source):
    run_capture(api_source, **ANA_ZIP, email="ana@example.com")
    run_capture(api_source, **{**ANA_ZIP, "first_name": "Luis"}, email="luis@example.com")
    assert not PossibleDuplicate.objects.exists()


def test_similar_emails():
    assert emails_look_alike("ana.lopez@gmail.com", "analopez+homes@gmail.com")
    assert emails_look_alike("ana.lopez@gmail.com", "ana_lopez@yahoo.com")
    assert emails_look_alike("ana.lopez@gmail.com", "ana.lopze@gmail.com")  # a typo
    assert not emails_look_alike("ana@gmail.com", "ava@gmail.com")  # too short to call a typo
    assert not emails_look_alike("ana.lopez@gmail.com", "maria.diaz@gmail.com")


def test_merging_keeps_each_consent_with_its_own_number(client, api_source, admin_user):
    first = run_capture(api_source, **ANA_ZIP, email="ana1@example.com", phone="8135550110", consent=CONSENT)
    second = run_capture(api_source, **ANA_ZIP, email="ana2@example.com", phone="8135550120")
    pair = PossibleDuplicate.objects.get()
    client.force_login(admin_user)
    page = client.get("/leads/duplicates/")
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("no-store") if page.has_header("Cache-Control") else True
    html = page.content.decode()
    assert "ana1@example.com" in html and "ana2@example.com" in html

    response = client.post(f"/leads/duplicates/{pair.pk}/", {"decision": "merge"})
    assert response.status_code == 302
    kept = Lead.objects.get()
    assert kept.pk == first.lead.pk and kept.phone == "+18135550110"
    assert kept.other_phones == ["+18135550120"]
    assert kept.consent_sms is True  # for +18135550110, the number it was given for
    assert list(Consent.objects.filter(channel="sms").values_list("lead_id", "address")) == [
        (kept.pk, "+18135550110")
    ]  # the second number never consented, and merging did not lend it the first one's consent
    assert Inquiry.objects.filter(lead=kept).count() == 2
    assert IntakeRecord.objects.filter(lead=kept).count() == 2
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == ("merged", admin_user)
    assert not Lead.objects.filter(pk=second.lead.pk).exists()
    merged_event = kept.timeline.filter(kind="merged").latest("id")
    assert merged_event.data["merged_lead_id"] == second.lead.pk
    assert client.post(f"/leads/duplicates/{pair.pk}/", {"decision": "merge"}).status_code == 404


def test_keeping_them_separate_leaves_both_leads_untouched(client, api_source, admin_user):
    four_different_anas(api_source)
    pair = PossibleDuplicate.objects.order_by("id").first()
    client.force_login(admin_user)
    assert client.post(f"/leads/duplicates/{pair.pk}/", {"decision": "separate"}).status_code == 302
    pair.refresh_from_db()
    assert pair.status == "separate" and Lead.objects.count() == 4
    assert PossibleDuplicate.objects.filter(status="open").count() == 2


def test_the_queue_is_access_checked_and_a_refused_decision_changes_nothing(
    client, api_source, organisation, other_organisation, team
):
    four_different_anas(api_source)
    pair = PossibleDuplicate.objects.order_by("id").first()
    officer = make_user(organisation, "lou")
    client.force_login(officer)
    assert client.get("/leads/duplicates/").status_code == 403
    assert client.post(f"/leads/duplicates/{pair.pk}/", {"decision": "merge"}).status_code == 403
    # A manager sees unassigned leads; once one lead belongs to someone outside their teams, the pair is hidden.
    manager = make_user(organisation, "mae", role="manager")
    manager.managed_teams.add(team)
    pair.lead.owner = officer
    pair.lead.save()
    client.force_login(manager)
    assert f"Lead #{pair.lead.pk} may be" not in client.get("/leads/duplicates/").content.decode()
    assert client.post(f"/leads/duplicates/{pair.pk}/", {"decision": "merge"}).status_code == 404
    stranger = make_user(other_organisation, "stan", role="admin")
    client.force_login(stranger)
    assert client.post(f"/leads/duplicates/{pair.pk}/", {"decision": "merge"}).status_code == 404
    pair.refresh_from_db()
    assert pair.status == "open" and Lead.objects.count() == 4
