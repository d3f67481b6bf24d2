"""Every role against every endpoint: the status code, that nothing leaks, that denied actions change nothing.

To cover a new page or action, add a row to ENDPOINTS: the method, how to build its URL (and POST data) from
the world, the roles allowed, and, for actions, what an allowed request must have changed. Roles are the
people in `world` below; a role not in `allowed` must get one of `denied_status`, see none of the markers it
may not see, and leave the database exactly as it was.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client

from firstcall.accounts.models import AuditEvent, Team, User
from firstcall.accounts.services import record_audit
from firstcall.leads.models import IntakeRecord, Lead
from firstcall.leads.sources import create_source
from firstcall.pipeline.models import TimelineEvent
from firstcall.routing.models import LeadOffer

# --- The people ------------------------------------------------------------------------------------------
ADMIN = "admin"
MANAGER_OF_TEAM = "manager_of_team"
MANAGER_OF_OTHER_TEAM = "manager_of_other_team"
OWNER = "loan_officer_owner"
TEAMMATE = "loan_officer_teammate"
SHARED_WITH = "loan_officer_with_lead_shared"
PROCESSOR_ASSIGNED = "processor_assigned"
PROCESSOR_NOT_ASSIGNED = "processor_not_assigned"
PARTNER_WHO_REFERRED = "partner_who_referred"
PARTNER_WHO_DID_NOT = "partner_who_did_not_refer"
OTHER_ORG_ADMIN = "admin_of_another_organisation"
SUPERUSER = "platform_superuser"
ANONYMOUS = "anonymous"

ROLES = [
    ADMIN,
    MANAGER_OF_TEAM,
    MANAGER_OF_OTHER_TEAM,
    OWNER,
    TEAMMATE,
    SHARED_WITH,
    PROCESSOR_ASSIGNED,
    PROCESSOR_NOT_ASSIGNED,
    PARTNER_WHO_REFERRED,
    PARTNER_WHO_DID_NOT,
    OTHER_ORG_ADMIN,
    SUPERUSER,
    ANONYMOUS,
]
SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}
LEAD_VIEWERS = frozenset(
    {ADMIN, MANAGER_OF_TEAM, OWNER, SHARED_WITH, PROCESSOR_ASSIGNED, PARTNER_WHO_REFERRED}
)
ROUTING_MANAGERS = frozenset({ADMIN, MANAGER_OF_TEAM, MANAGER_OF_OTHER_TEAM, OTHER_ORG_ADMIN})

# Strings only some roles may ever see in a response, whatever the page.
LEAD_MARKER = "Quartermaine"
INTAKE_MARKER = "matrix-intake-reason-marker"
AUDIT_MARKER = "acme-secret-export.csv"
MARKER_VIEWERS = {
    LEAD_MARKER: LEAD_VIEWERS,
    INTAKE_MARKER: frozenset({ADMIN}),
    AUDIT_MARKER: frozenset({ADMIN, SUPERUSER}),
}


@dataclass
class World:
    people: dict
    lead: Lead
    offered_lead: Lead
    intake_record: IntakeRecord


def _person(organisation, username, role, **fields) -> User:
    # No password hashing: the matrix signs in with force_login, and hashing 13 passwords per test is slow.
    return User.objects.create(
        username=username, organisation=organisation, role=role, first_name=username.title(), **fields
    )


@pytest.fixture
def world(organisation, other_organisation, borrower_payload) -> World:
    from account_helpers import make_lead

    team = Team.objects.create(organisation=organisation, name="Tampa")
    other_team = Team.objects.create(organisation=organisation, name="Orlando")
    people = {
        ADMIN: _person(organisation, "adele", User.Role.ADMIN),
        MANAGER_OF_TEAM: _person(organisation, "maria", User.Role.MANAGER),
        MANAGER_OF_OTHER_TEAM: _person(organisation, "mark", User.Role.MANAGER),
        OWNER: _person(organisation, "olivia", User.Role.LOAN_OFFICER),
        TEAMMATE: _person(organisation, "theo", User.Role.LOAN_OFFICER),
        SHARED_WITH: _person(organisation, "sam", User.Role.LOAN_OFFICER),
        PROCESSOR_ASSIGNED: _person(organisation, "pat", User.Role.PROCESSOR),
        PROCESSOR_NOT_ASSIGNED: _person(organisation, "paula", User.Role.PROCESSOR),
        PARTNER_WHO_REFERRED: _person(organisation, "rita", User.Role.PARTNER),
        PARTNER_WHO_DID_NOT: _person(organisation, "ron", User.Role.PARTNER),
        OTHER_ORG_ADMIN: _person(other_organisation, "otto", User.Role.ADMIN),
        SUPERUSER: _person(None, "root", User.Role.ADMIN, is_superuser=True, is_staff=True),
        ANONYMOUS: None,
    }
    people[MANAGER_OF_TEAM].managed_teams.add(team)
    people[MANAGER_OF_OTHER_TEAM].managed_teams.add(other_team)
    for role in (OWNER, TEAMMATE):
        people[role].teams.add(team)
    people[SHARED_WITH].teams.add(other_team)
    lead = make_lead(
        organisation,
        first_name="Zelda",
        last_name=LEAD_MARKER,
        owner=people[OWNER],
        processor=people[PROCESSOR_ASSIGNED],
        referral_partner=people[PARTNER_WHO_REFERRED],
        credit_score_low=721,
        credit_score_high=740,
    )
    lead.shared_with.add(people[SHARED_WITH])
    offered_lead = make_lead(
        organisation,
        first_name="Yusuf",
        last_name="Offerman",
        email="yusuf@example.com",
        phone="+18135550178",
        owner=None,
    )
    LeadOffer.objects.create(lead=offered_lead, user=people[TEAMMATE], kind=LeadOffer.Kind.CLAIM)
    source, _issued = create_source(organisation, channel="api", name="Matrix API source")
    intake_record = IntakeRecord.objects.create(
        organisation=organisation,
        source=source,
        channel="api",
        method="POST",
        path="/api/v1/leads",
        content_type="application/json",
        body=json.dumps(borrower_payload),
        status=IntakeRecord.Status.REJECTED,
        reasons=[INTAKE_MARKER],
    )
    record_audit(organisation, "export", actor=people[ADMIN], detail={"what": AUDIT_MARKER, "count": 1})
    return World(people=people, lead=lead, offered_lead=offered_lead, intake_record=intake_record)


def _state(world: World) -> dict:
    """Everything a denied request must leave as it was."""
    return {
        "owners": dict(Lead.objects.values_list("pk", "owner_id")),
        "shared": sorted(world.lead.shared_with.values_list("pk", flat=True)),
        "intake": list(
            IntakeRecord.objects.order_by("pk").values_list("pk", "status", "attempts", "lead_id")
        ),
        "offers": list(LeadOffer.objects.order_by("pk").values_list("pk", "status")),
        "timeline": TimelineEvent.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


# --- The endpoints ---------------------------------------------------------------------------------------


def _reassigned_to_teammate(world: World) -> None:
    assert Lead.objects.get(pk=world.lead.pk).owner == world.people[TEAMMATE]


def _claimed_by_teammate(world: World) -> None:
    assert Lead.objects.get(pk=world.offered_lead.pk).owner == world.people[TEAMMATE]


def _replayed(world: World) -> None:
    record = IntakeRecord.objects.get(pk=world.intake_record.pk)
    assert (
        record.status == IntakeRecord.Status.ACCEPTED and record.attempts == 1 and record.lead_id is not None
    )


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[World], str]
    allowed: frozenset
    data: Callable[[World], dict] = field(default=lambda world: {})
    ok_status: int = 200
    denied_status: frozenset = frozenset({403, 404})
    anonymous_status: int = 302
    # For actions: what an allowed request must have done.
    effect: Callable[[World], None] | None = None
    # For pages that list leads: the roles that must see the test lead on the page.
    lists_lead_to: frozenset | None = None


# fmt: off
ENDPOINTS = [
    Endpoint("home", "GET", lambda w: "/", SIGNED_IN, lists_lead_to=LEAD_VIEWERS),
    Endpoint("lead_detail", "GET", lambda w: f"/leads/{w.lead.pk}/", LEAD_VIEWERS,
             lists_lead_to=LEAD_VIEWERS),
    Endpoint("lead_reassign", "POST", lambda w: f"/leads/{w.lead.pk}/reassign/",
             frozenset({ADMIN, MANAGER_OF_TEAM}),
             data=lambda w: {"owner": w.people[TEAMMATE].pk, "reason": "matrix"},
             ok_status=302, effect=_reassigned_to_teammate),
    Endpoint("lead_claim", "POST", lambda w: f"/leads/{w.offered_lead.pk}/claim/", frozenset({TEAMMATE}),
             ok_status=302, effect=_claimed_by_teammate),
    Endpoint("intake_list", "GET", lambda w: "/intake/", frozenset({ADMIN, OTHER_ORG_ADMIN})),
    Endpoint("intake_detail", "GET", lambda w: f"/intake/{w.intake_record.pk}/", frozenset({ADMIN})),
    Endpoint("intake_replay", "POST", lambda w: f"/intake/{w.intake_record.pk}/replay/", frozenset({ADMIN}),
             ok_status=302, effect=_replayed),
    Endpoint("routing_rules", "GET", lambda w: "/routing/", ROUTING_MANAGERS),
    Endpoint("speed_to_lead", "GET", lambda w: "/reports/speed-to-lead/", ROUTING_MANAGERS | {SUPERUSER}),
    # The API authenticates with keys only: a browser session is not enough, for anyone.
    Endpoint("api_leads_with_session", "GET", lambda w: "/api/v1/leads", frozenset(),
             denied_status=frozenset({401}), anonymous_status=401),
    # Django admin is the platform operators' back office (is_staff); org admins are not staff.
    Endpoint("django_admin", "GET", lambda w: "/admin/", frozenset({SUPERUSER}),
             denied_status=frozenset({302})),
    Endpoint("audit_log", "GET", lambda w: "/audit/", frozenset({ADMIN, OTHER_ORG_ADMIN, SUPERUSER})),
    Endpoint("account_security", "GET", lambda w: "/account/two-factor/", SIGNED_IN),
]
# fmt: on


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_access_matrix(world, endpoint, role):
    client = Client()
    person = world.people[role]
    if person is not None:
        client.force_login(person)
    before = _state(world)

    send = client.get if endpoint.method == "GET" else client.post
    response = send(endpoint.url(world), endpoint.data(world))

    content = response.content.decode(errors="replace")
    allowed = role in endpoint.allowed
    if role == ANONYMOUS:
        assert response.status_code == endpoint.anonymous_status
        if response.status_code == 302:
            assert response["Location"].startswith(("/login/?next=", "/admin/login/?next="))
    elif allowed:
        assert response.status_code == endpoint.ok_status, content[:500]
    else:
        assert response.status_code in endpoint.denied_status, f"{role} got {response.status_code}"
    if allowed and endpoint.effect is not None:
        endpoint.effect(world)
    elif endpoint.method != "GET" or not allowed:
        assert _state(world) == before, "a denied request changed something"
    for marker, viewers in MARKER_VIEWERS.items():
        if role not in viewers:
            assert marker not in content, f"{endpoint.name} shows {marker!r} to {role}"
    if allowed and endpoint.lists_lead_to is not None and response.status_code == 200:
        assert (LEAD_MARKER in content) == (role in endpoint.lists_lead_to)


def test_referral_partner_sees_only_partner_fields_on_the_lead_page(world):
    client = Client()
    client.force_login(world.people[PARTNER_WHO_REFERRED])

    response = client.get(f"/leads/{world.lead.pk}/")

    assert response.status_code == 200
    assert "721" not in response.content.decode()
