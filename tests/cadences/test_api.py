"""The cadence API: API keys act for their organisation with the right scope, signed-in people with their
role; denied calls change nothing."""

import pytest
from cadence_helpers import build_cadence, call, make_lead, wait

from firstcall.accounts.services import create_api_key
from firstcall.cadences.models import Enrolment


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
