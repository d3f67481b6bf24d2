"""The cadence screens and the lead panel, for every role; denied actions change nothing."""

import csv
import io

import pytest
import time_machine
from cadence_helpers import BORROWER_PHONE, build_cadence, call, eastern, make_lead, sms, wait
from django.core.files.uploadedfile import SimpleUploadedFile

from firstcall.accounts.models import AuditEvent, User
from firstcall.cadences import editing, services
from firstcall.cadences.models import (
    Cadence,
    CadenceSettings,
    CadenceStep,
    CallTask,
    Enrolment,
    MessageTemplate,
)
from firstcall.messaging.models import Suppression
from tests.conftest import make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def processor(organisation):
    return make_user(organisation, "percy", role=User.Role.PROCESSOR)


@pytest.fixture
def cadence(organisation):
    return build_cadence(
        organisation, [wait(1, "days"), call("Call {{ borrower.first_name }}")], name="Nurture"
    )


# ------------------------------------------------------------------------------------------ the list


def test_loan_officers_see_cadences_but_only_builders_get_the_build_buttons(client, owner, manager, cadence):
    client.force_login(owner)
    page = client.get("/cadences/").content.decode()
    assert "Nurture" in page and "New cadence" not in page
    client.force_login(manager)
    assert "New cadence" in client.get("/cadences/").content.decode()


def test_processors_and_other_organisations_see_no_cadences(client, processor, outsider, cadence):
    client.force_login(processor)
    assert client.get("/cadences/").status_code == 403
    client.force_login(outsider)
    assert "Nurture" not in client.get("/cadences/").content.decode()
    assert client.get(f"/cadences/{cadence.pk}/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/cadences/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_library_is_seeded_by_a_builder_only(client, owner, admin_user, organisation):
    client.force_login(owner)
    assert client.post("/cadences/library/").status_code == 403
    assert not Cadence.objects.exists()
    client.force_login(admin_user)
    assert client.post("/cadences/library/").status_code == 302
    assert Cadence.objects.filter(organisation=organisation, is_builtin=True).count() == 8


# ---------------------------------------------------------------------------------------- the builder


def test_a_manager_builds_edits_and_publishes_a_cadence(client, manager, organisation):
    client.force_login(manager)
    response = client.post(
        "/cadences/new/",
        {
            "name": "Open house follow-up",
            "description": "",
            "pipeline_kind": "purchase",
            "trigger": "manual",
            "priority": 50,
            "stop_on_reply": "on",
            "stop_when_closed": "on",
            "languages": "en, es",
            "stop_on_stages": ["Application"],
        },
    )
    cadence = Cadence.objects.get(name="Open house follow-up")
    assert response.status_code == 302 and response["Location"] == f"/cadences/{cadence.pk}/draft/"
    assert cadence.languages == ["en", "es"] and cadence.stop_on_stages == ["Application"]
    assert cadence.created_by == manager and not cadence.is_active

    page = client.post(f"/cadences/{cadence.pk}/draft/steps/", {"kind": "send_sms"}, headers=HTMX)
    assert page.status_code == 200 and "Send a text" in page.content.decode()
    step = CadenceStep.objects.get(version__cadence=cadence)
    response = client.post(
        f"/cadences/{cadence.pk}/draft/steps/{step.pk}/",
        {
            "kind": "send_sms",
            "body": "Hi {{ borrower.first_name }}, {% load static %}",
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "template tags such as" in response.content.decode()
    step.refresh_from_db()
    assert step.body == ""  # nothing saved
    response = client.post(
        f"/cadences/{cadence.pk}/draft/steps/{step.pk}/",
        {
            "kind": "send_sms",
            "body": 'Hi {{ borrower.first_name|default:"there" }}! Reply STOP to opt out.',
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    make_lead(organisation, owner=None)  # the editor previews texts against a lead it can see
    page = client.get(f"/cadences/{cadence.pk}/draft/").content.decode()
    assert "1 segment (GSM-7)" in page
    client.post(f"/cadences/{cadence.pk}/draft/steps/", {"kind": "wait"}, headers=HTMX)
    client.post(f"/cadences/{cadence.pk}/draft/steps/", {"kind": "call_task"}, headers=HTMX)
    wait_step = CadenceStep.objects.get(version__cadence=cadence, kind="wait")
    client.post(f"/cadences/{cadence.pk}/draft/steps/{wait_step.pk}/move/", {"direction": "up"}, headers=HTMX)
    kinds = list(
        CadenceStep.objects.filter(version__cadence=cadence)
        .order_by("position")
        .values_list("kind", flat=True)
    )
    assert kinds == ["wait", "send_sms", "call_task"]
    client.post(f"/cadences/{cadence.pk}/draft/steps/{wait_step.pk}/remove/", headers=HTMX)

    page = client.get(f"/cadences/{cadence.pk}/publish/").content.decode()
    assert "No lead is enrolled yet: version 1 applies to every lead enrolled from now on." in page
    assert client.post(f"/cadences/{cadence.pk}/publish/", {"note": "first"}).status_code == 302
    cadence.refresh_from_db()
    assert cadence.version == 1 and cadence.current_version.change_note == "first"
    assert client.post(f"/cadences/{cadence.pk}/activate/", {"active": "1"}).status_code == 302
    cadence.refresh_from_db()
    assert cadence.is_active


def test_the_publish_page_states_the_rule_for_enrolled_leads(client, manager, organisation, owner, cadence):
    services.enrol(make_lead(organisation, owner=owner), cadence)
    client.force_login(manager)
    client.get(f"/cadences/{cadence.pk}/draft/")  # opens draft v2
    page = client.get(f"/cadences/{cadence.pk}/publish/").content.decode()
    assert (
        "Version 2 applies to leads enrolled from now on. 1 lead is already enrolled (1 on version 1)" in page
    )
    assert "Apply to pending steps of the 1 enrolled lead (re-plans only steps not yet sent)" in page


def test_loan_officers_cannot_change_cadences(client, owner, cadence):
    client.force_login(owner)
    assert (
        client.post("/cadences/new/", {"name": "Mine", "trigger": "manual", "priority": 1}).status_code == 403
    )
    assert client.get(f"/cadences/{cadence.pk}/draft/").status_code == 403
    assert (
        client.post(f"/cadences/{cadence.pk}/draft/steps/", {"kind": "wait"}, headers=HTMX).status_code == 403
    )
    assert client.post(f"/cadences/{cadence.pk}/activate/", {"active": "0"}).status_code == 403
    assert client.post(f"/cadences/{cadence.pk}/publish/").status_code == 403
    cadence.refresh_from_db()
    assert cadence.is_active and cadence.versions.count() == 1 and Cadence.objects.count() == 1


def test_builtins_are_copied_not_edited(client, admin_user, organisation):
    [builtin, *_] = editing.ensure_builtin_cadences(organisation)
    client.force_login(admin_user)
    assert client.get(f"/cadences/{builtin.pk}/draft/").status_code == 302
    assert builtin.versions.count() == 1
    response = client.post(f"/cadences/{builtin.pk}/copy/")
    copy = Cadence.objects.get(copied_from=builtin)
    assert response["Location"] == f"/cadences/{copy.pk}/"
    assert client.get(f"/cadences/{copy.pk}/draft/").status_code == 200


# ------------------------------------------------------------------------------------------ templates


def test_template_editor_refuses_tags_and_previews_against_a_real_lead(client, manager, organisation, owner):
    lead = make_lead(organisation, owner=owner)
    client.force_login(manager)
    bad = client.post(
        "/cadences/templates/new/",
        {"name": "Hi", "channel": "sms", "language": "en", "body": "{% include 'base.html' %}"},
    )
    assert bad.status_code == 200 and "are not allowed" in bad.content.decode()
    assert not MessageTemplate.objects.exists()
    good = client.post(
        "/cadences/templates/new/",
        {
            "name": "Hi",
            "channel": "sms",
            "language": "en",
            "body": "Hi {{ borrower.first_name }}, it’s {{ officer.first_name }}.",
        },
    )
    assert good.status_code == 302 and MessageTemplate.objects.get().updated_by == manager
    preview = client.post(
        "/cadences/preview/",
        {
            "lead": lead.pk,
            "channel": "sms",
            "body": "Hi {{ borrower.first_name }}, it’s {{ officer.first_name }}.",
        },
        headers=HTMX,
    ).content.decode()
    assert "Hi Ana, it’s Olivia. Reply STOP to opt out." in preview
    assert "43 characters, 1 segment (UCS-2); ’ force UCS-2" in preview


def test_preview_never_renders_a_lead_the_person_cannot_see(client, teammate, organisation, owner):
    lead = make_lead(organisation, owner=owner)
    client.force_login(teammate)
    page = client.post(
        "/cadences/preview/", {"lead": lead.pk, "channel": "sms", "body": "{{ borrower.first_name }}"}
    )
    assert "Ana" not in page.content.decode()


# ------------------------------------------------------------------------------------------ lead panel


def test_the_owner_enrols_pauses_resumes_and_removes_from_the_lead_panel(
    client, owner, organisation, cadence
):
    lead = make_lead(organisation, owner=owner)
    client.force_login(owner)
    assert "Not in a cadence." in client.get(f"/leads/{lead.pk}/cadence/").content.decode()
    with time_machine.travel(eastern(2026, 3, 9, 10, 0), tick=False):
        page = client.post(
            f"/leads/{lead.pk}/cadence/enrol/", {"cadence": cadence.pk}, headers=HTMX
        ).content.decode()
    assert (
        "Enrolled in Nurture." in page
        and "Next:</strong> Call task: Call" in page
        and "Tue Mar 10, 2026, 10:00 AM EDT" in page
    )
    enrolment = Enrolment.objects.get(lead=lead)
    assert enrolment.enrolled_by == owner and enrolment.enrolled_how == "manual"
    page = client.post(f"/leads/{lead.pk}/cadence/{enrolment.pk}/pause/", headers=HTMX).content.decode()
    assert "Paused: Nurture" in page
    client.post(f"/leads/{lead.pk}/cadence/{enrolment.pk}/resume/", headers=HTMX)
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    response = client.post(f"/leads/{lead.pk}/cadence/{enrolment.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == f"/leads/{lead.pk}/"
    enrolment.refresh_from_db()
    assert enrolment.status == "stopped" and enrolment.stop_detail == "removed by Olivia"


def test_a_second_enrolment_is_refused_with_the_reason(client, owner, organisation, cadence):
    lead = make_lead(organisation, owner=owner)
    services.enrol(lead, cadence)
    other = build_cadence(organisation, [wait(1, "days"), call("x")], name="Other")
    client.force_login(owner)
    response = client.post(f"/leads/{lead.pk}/cadence/enrol/", {"cadence": other.pk}, headers=HTMX)
    assert response.status_code == 409 and "already in Nurture" in response.content.decode()
    assert Enrolment.objects.filter(lead=lead).count() == 1


@pytest.mark.parametrize("who", ["teammate", "outsider", "processor"])
def test_people_who_may_not_change_the_lead_change_nothing(
    client, request, who, owner, organisation, cadence
):
    lead = make_lead(organisation, owner=owner, processor=request.getfixturevalue("processor"))
    enrolment = services.enrol(lead, cadence)
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/leads/{lead.pk}/cadence/").status_code == 404
    assert client.post(f"/leads/{lead.pk}/cadence/{enrolment.pk}/pause/").status_code == 404
    assert client.post(f"/leads/{lead.pk}/cadence/{enrolment.pk}/remove/").status_code == 404
    assert (
        client.post(f"/leads/{lead.pk}/cadence/enrol/", {"cadence": cadence.pk, "replace": "on"}).status_code
        == 404
    )
    enrolment.refresh_from_db()
    assert enrolment.status == "active" and Enrolment.objects.count() == 1


def test_a_call_task_marked_talked_records_human_contact_and_stops_the_cadence(client, owner, organisation):
    lead = make_lead(organisation, owner=owner)
    cadence = build_cadence(
        organisation, [call("Call now"), wait(2, "days"), sms("Later. Reply STOP to opt out.")]
    )
    with time_machine.travel(eastern(2026, 3, 9, 10, 0), tick=False):
        enrolment = services.enrol(lead, cadence)
        services.sweep_due_steps()
        task = CallTask.objects.get(lead=lead)
        client.force_login(owner)
        page = client.post(
            f"/leads/{lead.pk}/cadence/tasks/{task.pk}/done/",
            {"outcome": "connected", "notes": "Wants to buy in June"},
            headers=HTMX,
        )
    assert page.status_code == 200
    task.refresh_from_db()
    assert (task.status, task.outcome, task.done_by) == ("done", "connected", owner)
    lead.refresh_from_db()
    assert lead.first_human_contact_at == eastern(2026, 3, 9, 10, 0)
    enrolment.refresh_from_db()
    assert enrolment.stop_reason == "talked"


def test_bulk_enrol_only_touches_leads_the_person_may_change(client, owner, teammate, organisation, cadence):
    mine = make_lead(organisation, owner=owner)
    theirs = make_lead(organisation, owner=teammate, phone="+18135550177")
    client.force_login(owner)
    page = client.post(
        "/cadences/bulk-enrol/", {"cadence": cadence.pk, "lead_ids": f"{mine.pk}, {theirs.pk}, 99999"}
    )
    text = page.content.decode()
    assert "1 lead enrolled in Nurture" in text
    assert f"Lead #{theirs.pk}: No such lead you may change." in text and "Lead #99999" in text
    assert list(Enrolment.objects.values_list("lead_id", flat=True)) == [mine.pk]


def test_call_task_list_shows_my_open_tasks(client, owner, organisation):
    lead = make_lead(organisation, owner=owner)
    CallTask.objects.create(
        organisation=organisation,
        lead=lead,
        owner=owner,
        due_at=eastern(2026, 3, 9, 10),
        title="Call Ana back",
    )
    client.force_login(owner)
    assert "Call Ana back" in client.get("/cadences/tasks/").content.decode()


# ---------------------------------------------------------------------------------- do-not-contact list


def test_an_admin_imports_and_exports_the_do_not_contact_list(
    client, admin_user, organisation, owner, cadence
):
    lead = make_lead(organisation, owner=owner)
    enrolment = services.enrol(lead, cadence)
    client.force_login(admin_user)
    upload = SimpleUploadedFile(
        "dnc.csv",
        (
            b"address,channel,note\n"
            b"(813) 555-0199,sms,asked by phone\n"
            b'Someone@Example.com,,=HYPERLINK("x")\n'
            b"not-a-number,sms,\n"
        ),
        content_type="text/csv",
    )
    page = client.post("/cadences/do-not-contact/", {"form": "import", "file": upload}).content.decode()
    assert (
        "2 added, 0 already listed, 1 cadence stopped." in page and "Line 4: not a valid phone number" in page
    )
    assert set(Suppression.objects.values_list("channel", "address", "reason")) == {
        ("sms", BORROWER_PHONE, "dnc_import"),
        ("email", "someone@example.com", "dnc_import"),
    }
    enrolment.refresh_from_db()
    assert enrolment.stop_reason == "do_not_contact"
    lead.refresh_from_db()
    assert lead.consent_sms  # the borrower did not revoke; the organisation chose not to contact

    response = client.get("/cadences/do-not-contact/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert rows[0] == ["channel", "address", "reason", "note", "added_at"]
    assert [row[:4] for row in rows[1:]] == [
        ["email", "someone@example.com", "dnc_import", '\'=HYPERLINK("x")'],
        ["sms", BORROWER_PHONE, "dnc_import", "asked by phone"],
    ]
    assert AuditEvent.objects.filter(
        action="export", detail__what="do_not_contact.csv", detail__count=2
    ).exists()


def test_only_admins_touch_the_do_not_contact_list(client, manager, owner):
    for person in (manager, owner):
        client.force_login(person)
        upload = SimpleUploadedFile("dnc.csv", b"address\n+18135550199\n", content_type="text/csv")
        assert client.post("/cadences/do-not-contact/", {"form": "import", "file": upload}).status_code == 403
        assert client.get("/cadences/do-not-contact/export.csv").status_code == 403
    assert not Suppression.objects.exists()


def test_an_admin_sets_the_organisation_limits(client, admin_user, organisation):
    client.force_login(admin_user)
    client.post(
        "/cadences/do-not-contact/", {"form": "limits", "max_texts_per_day": "2", "max_emails_per_week": ""}
    )
    limits = CadenceSettings.objects.get(organisation=organisation)
    assert (limits.max_texts_per_day, limits.max_emails_per_week) == (2, None)


def every_cadence_page(organisation, owner, cadence) -> list[str]:
    """Every GET page of the cadence screens, with real objects behind the ids."""
    template = MessageTemplate.objects.create(organisation=organisation, name="T", channel="sms", body="Hi")
    lead = make_lead(organisation, owner=owner)
    services.enrol(lead, cadence)
    return [
        "/cadences/",
        "/cadences/new/",
        f"/cadences/{cadence.pk}/",
        f"/cadences/{cadence.pk}/settings/",
        f"/cadences/{cadence.pk}/draft/",
        f"/cadences/{cadence.pk}/publish/",
        "/cadences/templates/",
        "/cadences/templates/new/",
        f"/cadences/templates/{template.pk}/",
        "/cadences/do-not-contact/",
        "/cadences/do-not-contact/export.csv",
        "/cadences/tasks/?mine=0",
        f"/leads/{lead.pk}/cadence/",
    ]


def test_every_cadence_page_renders_for_an_admin(client, admin_user, organisation, owner, cadence):
    client.force_login(admin_user)
    for url in every_cadence_page(organisation, owner, cadence):
        assert client.get(url).status_code == 200, url


def test_another_organisations_people_get_nothing_from_any_cadence_page(
    client, outsider, other_organisation, organisation, owner, cadence
):
    other_admin = make_user(other_organisation, "otto", role=User.Role.ADMIN)
    pages = every_cadence_page(organisation, owner, cadence)
    ours = [url for url in pages if any(char.isdigit() for char in url.split("?")[0])]
    for person in (outsider, other_admin):
        client.force_login(person)
        for url in ours:
            assert client.get(url).status_code in (403, 404), (person, url)
        for url in set(pages) - set(ours):
            response = client.get(url)
            assert response.status_code in (200, 403), (person, url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert b"Nurture" not in body and b"Ana Lopez" not in body and BORROWER_PHONE.encode() not in body


def test_the_draft_page_states_what_publishing_does_to_enrolled_leads(client, manager, organisation, cadence):
    services.enrol(make_lead(organisation), cadence)
    client.force_login(manager)
    page = client.get(f"/cadences/{cadence.pk}/draft/").content.decode()
    assert "1 lead is already enrolled (1 on version 1) and continue their current plan" in page
    assert "steps already sent are never sent again" in page


def test_settings_change_the_rules_but_not_the_version(client, manager, cadence):
    client.force_login(manager)
    response = client.post(f"/cadences/{cadence.pk}/settings/", {
        "name": "Nurture (renamed)", "trigger": "capture", "priority": 5, "loan_types": ["fha", "va"],
        "score_tiers": ["hot"], "stop_on_reply": "on",
    })  # fmt: skip
    assert response.status_code == 302
    cadence.refresh_from_db()
    assert (cadence.name, cadence.trigger, cadence.loan_types, cadence.score_tiers) == (
        "Nurture (renamed)", "capture", ["fha", "va"], ["hot"],
    )  # fmt: skip
    assert not cadence.stop_when_closed and cadence.version == 1


def test_a_second_template_with_the_same_name_and_language_is_refused(client, manager, organisation):
    MessageTemplate.objects.create(
        organisation=organisation, name="Hi", channel="sms", language="en", body="A"
    )
    client.force_login(manager)
    page = client.post(
        "/cadences/templates/new/", {"name": "Hi", "channel": "sms", "language": "en", "body": "B"}
    ).content.decode()
    assert "A template with this name, channel and language exists" in page
    assert list(MessageTemplate.objects.values_list("body", flat=True)) == ["A"]
    spanish = client.post(
        "/cadences/templates/new/", {"name": "Hi", "channel": "sms", "language": "es", "body": "Hola"}
    )
    assert spanish.status_code == 302 and MessageTemplate.objects.count() == 2
