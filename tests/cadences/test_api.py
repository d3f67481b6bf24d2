"""The cadence API: API keys act for their organisation with the right scope, signed-in people with their
role; denied calls change nothing."""

import json

import pytest
from cadence_helpers import build_cadence, call, make_lead, wait

from firstcall.accounts.services import create_api_key
from firstcall.cadences.models import Cadence, Enrolment


@pytest.fixture
def cadence(organisation):
    return build_cadence(organisation, [wait(1, "days"), call("Call")], name="Nurture")


@pytest.fixture
def write_key(organisation):
    return create_api_key(organisation, name="CRM sync", scopes=["leads:write"])[1]


@pytest.fixture
def read_key(organisation):
    return create_api_key(organisation, name="Reporting", scopes=["leads:read"])[1]


def test_list_cadences_with_a_read_key(client, read_key, cadence, other_organisation):
    build_cadence(other_organisation, [call("x")], name="Not theirs")
    response = client.get("/api/v1/cadences", headers={"X-Api-Key": read_key})
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": cadence.pk,
            "name": "Nurture",
            "description": "",
            "trigger": "manual",
            "pipeline_kind": "",
            "is_active": True,
            "is_builtin": False,
            "version": 1,
        }
    ]


def test_enrol_pause_resume_and_remove_with_a_write_key(client, write_key, organisation, owner, cadence):
    lead = make_lead(organisation, owner=owner)
    headers = {"X-Api-Key": write_key}
    response = client.post(
        f"/api/v1/leads/{lead.pk}/cadence/enrol",
        {"cadence_id": cadence.pk},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["enrolments"][0]["status"] == "active" and body["next_step"] == "Call task: Call (Nurture)"
    again = client.post(
        f"/api/v1/leads/{lead.pk}/cadence/enrol",
        {"cadence_id": cadence.pk},
        content_type="application/json",
        headers=headers,
    )
    assert again.status_code == 409 and again.json() == {"detail": "The lead is already in Nurture."}
    assert (
        client.post(f"/api/v1/leads/{lead.pk}/cadence/pause", headers=headers).json()["enrolments"][0][
            "status"
        ]
        == "paused"
    )
    assert client.post(f"/api/v1/leads/{lead.pk}/cadence/pause", headers=headers).status_code == 409
    assert client.post(f"/api/v1/leads/{lead.pk}/cadence/resume", headers=headers).status_code == 200
    removed = client.post(f"/api/v1/leads/{lead.pk}/cadence/remove", headers=headers).json()
    assert removed["enrolments"][0]["stop_detail"] == "removed through the API"
    assert client.post(f"/api/v1/leads/{lead.pk}/cadence/remove", headers=headers).status_code == 404


def test_a_read_key_cannot_change_anything(client, read_key, organisation, owner, cadence):
    lead = make_lead(organisation, owner=owner)
    response = client.post(
        f"/api/v1/leads/{lead.pk}/cadence/enrol",
        {"cadence_id": cadence.pk},
        content_type="application/json",
        headers={"X-Api-Key": read_key},
    )
    assert response.status_code == 403
    assert not Enrolment.objects.exists()


def test_another_organisations_key_sees_nothing(client, other_organisation, organisation, owner, cadence):
    key = create_api_key(other_organisation, name="Them", scopes=["leads:write"])[1]
    lead = make_lead(organisation, owner=owner)
    response = client.post(
        f"/api/v1/leads/{lead.pk}/cadence/enrol",
        {"cadence_id": cadence.pk},
        content_type="application/json",
        headers={"X-Api-Key": key},
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/leads/{lead.pk}/cadence", headers={"X-Api-Key": key}).status_code == 404
    assert not Enrolment.objects.exists()


def test_no_credentials_no_access(client, cadence):
    assert client.get("/api/v1/cadences").status_code == 401


def test_a_signed_in_loan_officer_manages_only_their_leads(client, owner, teammate, organisation, cadence):
    mine = make_lead(organisation, owner=owner)
    theirs = make_lead(organisation, owner=teammate, phone="+18135550180")
    client.force_login(owner)
    assert (
        client.post(
            f"/api/v1/leads/{mine.pk}/cadence/enrol",
            {"cadence_id": cadence.pk},
            content_type="application/json",
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/leads/{theirs.pk}/cadence/enrol",
            {"cadence_id": cadence.pk},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert list(Enrolment.objects.values_list("lead_id", "enrolled_by_id", "enrolled_how")) == [
        (mine.pk, owner.pk, "API")
    ]


# ------------------------------------------------------------------------------------------------ building


@pytest.fixture
def builder_key(organisation):
    return create_api_key(organisation, name="Marketing ops", scopes=["cadences", "leads:write"])[1]


def post_json(client, url, data, key, method="post"):
    return getattr(client, method)(
        url, json.dumps(data), content_type="application/json", headers={"X-Api-Key": key}
    )


def test_a_cadences_key_builds_enrols_edits_and_publishes_without_touching_enrolled_leads(
    client, builder_key, organisation, owner
):
    created = post_json(
        client,
        "/api/v1/cadences",
        {
            "name": "Spring buyers",
            "trigger": "capture",
            "loan_types": ["fha"],
            "stop_on_stages": ["Application"],
            "steps": [
                {"kind": "wait", "wait_amount": 1, "wait_unit": "days", "at_local_time": "10:00"},
                {"kind": "call_task", "key": "first-call", "body": "Call {{ borrower.first_name }}"},
            ],
            "publish": True,
            "is_active": True,
        },
        builder_key,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    cadence = Cadence.objects.get(pk=body["id"])
    assert (body["version"], body["is_active"], body["trigger"]) == (1, True, "capture")
    assert [step["summary"] for step in body["steps"]] == [
        "Wait 1 day at 10:00 (borrower time)",
        "Call task: Call [borrower's first name]",
    ]
    assert cadence.loan_types == ["fha"] and cadence.stop_on_stages == ["Application"]

    lead = make_lead(organisation, owner=owner)
    enrolled = post_json(
        client, f"/api/v1/leads/{lead.pk}/cadence/enrol", {"cadence_id": cadence.pk}, builder_key
    )
    assert enrolled.status_code == 201

    steps = body["steps"]
    draft = post_json(
        client,
        f"/api/v1/cadences/{cadence.pk}/draft",
        {"steps": [*steps, {"kind": "send_sms", "body": "Still there? Reply STOP to opt out."}]},
        builder_key,
        method="put",
    )
    assert draft.status_code == 200
    detail = draft.json()
    assert detail["version"] == 1 and detail["draft_version"] == 2 and len(detail["draft_steps"]) == 3
    assert detail["draft_steps"][1]["key"] == "first-call"  # identity kept, so re-planning finds it
    assert (
        "1 lead is already enrolled (1 on version 1) and continue their current plan" in detail["edit_rule"]
    )

    published = post_json(client, f"/api/v1/cadences/{cadence.pk}/publish", {}, builder_key)
    assert published.status_code == 200
    assert published.json()["version"] == 2 and published.json()["replanned"] == 0
    assert Enrolment.objects.get(lead=lead).cadence_version.number == 1  # keeps the plan it was given

    renamed = post_json(
        client,
        f"/api/v1/cadences/{cadence.pk}",
        {"name": "Spring FHA buyers", "is_active": False},
        builder_key,
        method="patch",
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Spring FHA buyers"
    cadence.refresh_from_db()
    assert cadence.name == "Spring FHA buyers" and not cadence.is_active and cadence.loan_types == ["fha"]


def test_a_draft_with_problems_is_refused_on_publish(client, builder_key, organisation):
    created = post_json(
        client, "/api/v1/cadences", {"name": "Half done", "steps": [{"kind": "send_sms"}]}, builder_key
    )
    assert created.status_code == 201 and created.json()["version"] == 0
    refused = post_json(client, f"/api/v1/cadences/{created.json()['id']}/publish", {}, builder_key)
    assert refused.status_code == 422
    assert "Step 1: choose a template or write the message." in refused.json()["detail"]
    assert Cadence.objects.get().current_version is None


def test_building_needs_the_cadences_scope_or_a_builders_role(
    client, write_key, organisation, owner, manager, cadence
):
    payload = {"name": "Sneaky", "steps": [{"kind": "call_task", "body": "Call"}], "publish": True}
    assert post_json(client, "/api/v1/cadences", payload, write_key).status_code == 403
    assert (
        post_json(
            client, f"/api/v1/cadences/{cadence.pk}/draft", {"steps": []}, write_key, method="put"
        ).status_code
        == 403
    )
    client.force_login(owner)
    assert client.post("/api/v1/cadences", payload, content_type="application/json").status_code == 403
    assert Cadence.objects.count() == 1 and cadence.versions.count() == 1
    client.force_login(manager)
    assert client.post("/api/v1/cadences", payload, content_type="application/json").status_code == 201


def test_another_organisations_builder_cannot_see_or_edit_our_cadence(client, other_organisation, cadence):
    key = create_api_key(other_organisation, name="Them", scopes=["cadences"])[1]
    assert client.get(f"/api/v1/cadences/{cadence.pk}", headers={"X-Api-Key": key}).status_code == 404
    response = post_json(client, f"/api/v1/cadences/{cadence.pk}", {"name": "Mine now"}, key, method="patch")
    assert response.status_code == 404
    cadence.refresh_from_db()
    assert cadence.name == "Nurture"


def test_a_step_may_not_use_another_organisations_template(client, builder_key, other_organisation):
    from firstcall.cadences.models import MessageTemplate

    theirs = MessageTemplate.objects.create(
        organisation=other_organisation, name="T", channel="sms", body="Hi"
    )
    response = post_json(
        client,
        "/api/v1/cadences",
        {"name": "Borrowed", "steps": [{"kind": "send_sms", "template_id": theirs.pk}]},
        builder_key,
    )
    assert response.status_code == 422 and not Cadence.objects.exists()
