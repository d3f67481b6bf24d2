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

from firstcall.accounts.models import AuditEvent, Notification, Team, User
from firstcall.accounts.services import record_audit
from firstcall.cadences.models import Enrolment
from firstcall.leads.models import IntakeRecord, Lead, Stage, TimelineEvent
from firstcall.leads.sources import create_source
from firstcall.messaging.models import Message
from firstcall.pipeline.models import Task
from firstcall.portals.models import UnderContract
from firstcall.routing.models import LeadOffer
from firstcall.web.models import SavedView

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
# Referral partners have no staff workspace at all: every page sends them to the partner portal, everything
# else (fragments, posts, the API) answers 403, whether or not they referred the lead.
PARTNERS = frozenset({PARTNER_WHO_REFERRED, PARTNER_WHO_DID_NOT})
SIGNED_IN = frozenset(ROLES) - {ANONYMOUS} - PARTNERS
LEAD_VIEWERS = frozenset({ADMIN, MANAGER_OF_TEAM, OWNER, SHARED_WITH, PROCESSOR_ASSIGNED})
ROUTING_MANAGERS = frozenset({ADMIN, MANAGER_OF_TEAM, MANAGER_OF_OTHER_TEAM, OTHER_ORG_ADMIN})
# Everyone with a workspace: signed in and belonging to an organisation.
IN_AN_ORGANISATION = SIGNED_IN - {SUPERUSER}
# Staff who see the lead may work it (calls, notes, messages, tasks, edits).
LEAD_WORKERS = LEAD_VIEWERS
# Moving it along the pipeline is narrower still: the owner, a manager who sees it, an admin.
LEAD_MOVERS = frozenset({ADMIN, MANAGER_OF_TEAM, OWNER})
ENROLLERS = frozenset({ADMIN, MANAGER_OF_TEAM, OWNER, SHARED_WITH})
TASK_USERS = IN_AN_ORGANISATION
ORG_ADMINS = frozenset({ADMIN, OTHER_ORG_ADMIN})
# Who invites referral partners: loan officers, managers and admins of an organisation.
PARTNER_INVITERS = frozenset({ADMIN, MANAGER_OF_TEAM, MANAGER_OF_OTHER_TEAM, OWNER, TEAMMATE, SHARED_WITH,
                              OTHER_ORG_ADMIN})  # fmt: skip
# Bulk actions answer with a redirect and a "not changed" message for leads the person may not see.
BULK_DENIED = frozenset({302, 403})

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
    team: Team
    task: Task
    saved_view: SavedView

    def stage(self, name: str) -> Stage:
        return self.lead.pipeline.stages.get(name=name)


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
        consent_sms=True,
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
    task = Task.objects.create(
        organisation=organisation,
        lead=lead,
        title="Send the fee sheet",
        assignee=people[OWNER],
        created_by=people[OWNER],
    )
    saved_view = SavedView.objects.create(user=people[OWNER], name="Hot ones", query_string="score_tier=hot")
    return World(
        people=people,
        lead=lead,
        offered_lead=offered_lead,
        intake_record=intake_record,
        team=team,
        task=task,
        saved_view=saved_view,
    )


def _state(world: World) -> dict:
    """Everything a denied request must leave as it was."""
    return {
        "leads": list(
            Lead.objects.order_by("pk").values_list(
                "pk",
                "owner_id",
                "stage_id",
                "closed_at",
                "lost_reason",
                "first_human_contact_at",
                "updated_at",
            )
        ),
        "shared": sorted(world.lead.shared_with.values_list("pk", flat=True)),
        "intake": list(
            IntakeRecord.objects.order_by("pk").values_list("pk", "status", "attempts", "lead_id")
        ),
        "offers": list(LeadOffer.objects.order_by("pk").values_list("pk", "status")),
        "timeline": TimelineEvent.objects.count(),
        "audit": AuditEvent.objects.count(),
        "messages": Message.objects.count(),
        "notifications": Notification.objects.count(),
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "assignee_id", "completed_at", "due_at")),
        "enrolments": Enrolment.objects.count(),
        "saved_views": list(
            SavedView.objects.order_by("pk").values_list("pk", "user_id", "name", "query_string")
        ),
        "teams": list(Team.objects.order_by("pk").values_list("pk", "name")),
        "people": list(User.objects.order_by("pk").values_list("pk", "role", "is_active")),
    }


# --- The endpoints ---------------------------------------------------------------------------------------


def _reassigned_to_teammate(world: World, person: User) -> None:
    assert Lead.objects.get(pk=world.lead.pk).owner == world.people[TEAMMATE]


def _claimed_by_teammate(world: World, person: User) -> None:
    assert Lead.objects.get(pk=world.offered_lead.pk).owner == world.people[TEAMMATE]


def _moved_to_contacted(world: World, person: User) -> None:
    assert Lead.objects.get(pk=world.lead.pk).stage == world.stage("Contacted")
    assert world.lead.timeline.filter(kind=TimelineEvent.Kind.STAGE_CHANGED, actor=person).exists()


def _lost_with_its_reason(world: World, person: User) -> None:
    lead = Lead.objects.get(pk=world.lead.pk)
    assert lead.stage == world.stage("Lost") and lead.lost_reason == "Went with another lender"


def _enrolled(world: World, person: User) -> None:
    assert Enrolment.objects.filter(lead=world.lead).count() == 1


def _export_audited(world: World, person: User) -> None:
    """Every export is audited with how many leads it carried: the test lead, only for those who see it."""
    event = AuditEvent.objects.filter(action="export", actor=person).latest("pk")
    assert event.detail["what"] == "leads.csv"
    expected = 1 if person.username in {world.people[role].username for role in LEAD_VIEWERS} else 0
    assert event.detail["count"] == expected


def _call_logged(world: World, person: User) -> None:
    assert world.lead.timeline.filter(kind=TimelineEvent.Kind.CALL, actor=person).exists()


def _note_added(world: World, person: User) -> None:
    assert world.lead.timeline.filter(kind=TimelineEvent.Kind.NOTE, actor=person).exists()


def _text_queued(world: World, person: User) -> None:
    assert Message.objects.filter(lead=world.lead, sent_by=person, body="Matrix hello").exists()


def _scenario_edited(world: World, person: User) -> None:
    assert Lead.objects.get(pk=world.lead.pk).zip_code == "33606"


def _task_added(world: World, person: User) -> None:
    assert Task.objects.filter(lead=world.lead, title="Matrix follow-up", created_by=person).exists()


def _task_done(world: World, person: User) -> None:
    assert Task.objects.get(pk=world.task.pk).completed_at is not None


def _view_saved(world: World, person: User) -> None:
    assert SavedView.objects.filter(user=person, name="Matrix").exists()


def _view_deleted(world: World, person: User) -> None:
    assert not SavedView.objects.filter(pk=world.saved_view.pk).exists()


def _team_renamed(world: World, person: User) -> None:
    assert Team.objects.get(pk=world.team.pk).name == "Tampa Bay"


def _under_contract_saved(world: World, person: User) -> None:
    assert UnderContract.objects.get(lead=world.lead).recorded_by == person


def _purged(world: World, person: User) -> None:
    record = IntakeRecord.objects.get(pk=world.intake_record.pk)
    assert record.body == "" and record.body_purged_at is not None


def _exported(world: World, person: User) -> None:
    assert AuditEvent.objects.filter(
        action="lead.exported", actor=person, detail__lead=world.lead.pk
    ).exists()


def _erased(world: World, person: User) -> None:
    assert not Lead.objects.filter(pk=world.lead.pk).exists()
    assert AuditEvent.objects.filter(action="lead.erased", actor=person).exists()


def _replayed(world: World, person: User) -> None:
    record = IntakeRecord.objects.get(pk=world.intake_record.pk)
    assert (
        record.status == IntakeRecord.Status.ACCEPTED and record.attempts == 1 and record.lead_id is not None
    )


def _cadence(organisation):
    from tests.cadences.cadence_helpers import build_cadence, sms, wait

    return build_cadence(organisation, [wait(1), sms("Hi {first_name}")], name="Matrix nurture")


def _edit_data(world: World) -> dict:
    """The lead's edit form as the page would post it, with one change: the ZIP code."""
    from firstcall.web.lead_forms import LeadEditForm

    form = LeadEditForm(instance=Lead.objects.get(pk=world.lead.pk))
    data = {}
    for name, bound in ((name, form[name]) for name in form.fields):
        value = bound.value()
        if value is None or value is False:
            continue
        data[name] = "true" if value is True else value
    return {**data, "zip_code": "33606", "reason": "matrix"}


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
    effect: Callable[[World, User], None] | None = None
    # Anything the endpoint needs that the other endpoints do not (made before the "before" snapshot).
    prepare: Callable[[World], None] | None = None
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
    # Platform operators (the superuser) open the intake screen for records tied to no organisation.
    Endpoint("intake_list", "GET", lambda w: "/intake/", frozenset({ADMIN, OTHER_ORG_ADMIN, SUPERUSER})),
    Endpoint("intake_purge", "POST", lambda w: f"/intake/{w.intake_record.pk}/purge/", frozenset({ADMIN}),
             ok_status=302, effect=_purged),
    Endpoint("lead_privacy", "GET", lambda w: f"/leads/{w.lead.pk}/privacy/", frozenset({ADMIN})),
    Endpoint("lead_export", "POST", lambda w: f"/leads/{w.lead.pk}/privacy/export/", frozenset({ADMIN}),
             effect=_exported),
    Endpoint("lead_erase", "POST", lambda w: f"/leads/{w.lead.pk}/privacy/erase/", frozenset({ADMIN}),
             data=lambda w: {"confirm": "ERASE", "reason": "matrix"}, ok_status=302, effect=_erased),
    Endpoint("duplicate_queue", "GET", lambda w: "/leads/duplicates/",
             frozenset({ADMIN, OTHER_ORG_ADMIN, MANAGER_OF_TEAM, MANAGER_OF_OTHER_TEAM})),
    Endpoint("intake_detail", "GET", lambda w: f"/intake/{w.intake_record.pk}/", frozenset({ADMIN})),
    Endpoint("intake_replay", "POST", lambda w: f"/intake/{w.intake_record.pk}/replay/", frozenset({ADMIN}),
             ok_status=302, effect=_replayed),
    Endpoint("routing_rules", "GET", lambda w: "/routing/", ROUTING_MANAGERS),
    Endpoint("speed_to_lead", "GET", lambda w: "/reports/speed-to-lead/", ROUTING_MANAGERS | {SUPERUSER, OWNER, TEAMMATE, SHARED_WITH}),
    # The API authenticates with keys only: a browser session is not enough, for anyone.
    Endpoint("api_leads_with_session", "GET", lambda w: "/api/v1/leads", frozenset(),
             denied_status=frozenset({401}), anonymous_status=401),
    # Django admin is the platform operators' back office (is_staff); org admins are not staff.
    Endpoint("django_admin", "GET", lambda w: "/admin/", frozenset({SUPERUSER}),
             denied_status=frozenset({302})),
    Endpoint("audit_log", "GET", lambda w: "/audit/", frozenset({ADMIN, OTHER_ORG_ADMIN, SUPERUSER})),
    Endpoint("account_security", "GET", lambda w: "/account/two-factor/", SIGNED_IN),
    Endpoint("notifications", "GET", lambda w: "/notifications/", SIGNED_IN),
    Endpoint("my_day_live", "GET", lambda w: "/my-day/live/", SIGNED_IN, lists_lead_to=LEAD_VIEWERS),
    # The workspace: board, list and search, team.
    Endpoint("board", "GET", lambda w: "/board/purchase/", IN_AN_ORGANISATION, lists_lead_to=LEAD_VIEWERS),
    Endpoint("board_live", "GET", lambda w: "/board/purchase/live/", IN_AN_ORGANISATION,
             lists_lead_to=LEAD_VIEWERS),
    Endpoint("lead_list", "GET", lambda w: "/leads/", IN_AN_ORGANISATION, lists_lead_to=LEAD_VIEWERS),
    # By email: the search box repeats what was typed, and the marker must only come from the results.
    Endpoint("lead_search", "GET", lambda w: "/leads/?q=zelda.q", IN_AN_ORGANISATION,
             lists_lead_to=LEAD_VIEWERS),
    Endpoint("team", "GET", lambda w: "/team/", ROUTING_MANAGERS, lists_lead_to=frozenset({ADMIN, MANAGER_OF_TEAM})),
    Endpoint("move_stage", "POST", lambda w: f"/leads/{w.lead.pk}/move/", LEAD_MOVERS,
             data=lambda w: {"stage": w.stage("Contacted").pk}, ok_status=302, effect=_moved_to_contacted),
    Endpoint("move_to_lost_with_a_reason", "POST", lambda w: f"/leads/{w.lead.pk}/move/", LEAD_MOVERS,
             data=lambda w: {"stage": w.stage("Lost").pk, "lost_reason": "Went with another lender"},
             ok_status=302, effect=_lost_with_its_reason),
    # Bulk actions from the list and the team page.
    Endpoint("bulk_assign", "POST", lambda w: "/leads/bulk/", frozenset({ADMIN, MANAGER_OF_TEAM}),
             data=lambda w: {"action": "assign", "owner": w.people[TEAMMATE].pk, "lead": [w.lead.pk]},
             ok_status=302, denied_status=BULK_DENIED, effect=_reassigned_to_teammate),
    Endpoint("bulk_stage", "POST", lambda w: "/leads/bulk/", LEAD_MOVERS,
             data=lambda w: {"action": "stage", "stage": w.stage("Contacted").pk, "lead": [w.lead.pk]},
             ok_status=302, denied_status=BULK_DENIED, effect=_moved_to_contacted),
    Endpoint("bulk_enrol", "POST", lambda w: "/leads/bulk/", ENROLLERS,
             data=lambda w: {"action": "enrol", "cadence": w.cadence.pk, "lead": [w.lead.pk]},
             prepare=lambda w: setattr(w, "cadence", _cadence(w.lead.organisation)),
             ok_status=302, denied_status=BULK_DENIED, effect=_enrolled),
    # Exports are open to everyone with a workspace, limited to what they may see, and always audited.
    Endpoint("bulk_export_selected", "POST", lambda w: "/leads/bulk/", IN_AN_ORGANISATION,
             data=lambda w: {"action": "export", "lead": [w.lead.pk]},
             effect=_export_audited, lists_lead_to=LEAD_VIEWERS),
    Endpoint("bulk_export_everything", "POST", lambda w: "/leads/bulk/", IN_AN_ORGANISATION,
             data=lambda w: {"action": "export", "everything": "on", "query": "q=zelda.q"},
             effect=_export_audited, lists_lead_to=LEAD_VIEWERS),
    Endpoint("saved_view_create", "POST", lambda w: "/leads/views/", IN_AN_ORGANISATION,
             data=lambda w: {"name": "Matrix", "query": "score_tier=hot"}, ok_status=302, effect=_view_saved),
    Endpoint("saved_view_delete", "POST", lambda w: f"/leads/views/{w.saved_view.pk}/delete/", frozenset({OWNER}),
             ok_status=302, effect=_view_deleted),
    # The lead page's actions.
    Endpoint("lead_timeline", "GET", lambda w: f"/leads/{w.lead.pk}/timeline/", LEAD_WORKERS),
    Endpoint("log_call", "POST", lambda w: f"/leads/{w.lead.pk}/calls/", LEAD_WORKERS,
             data=lambda w: {"outcome": "voicemail"}, ok_status=302, effect=_call_logged),
    Endpoint("add_note", "POST", lambda w: f"/leads/{w.lead.pk}/notes/", LEAD_WORKERS,
             data=lambda w: {"body": "Matrix note"}, ok_status=302, effect=_note_added),
    Endpoint("compose_text", "POST", lambda w: f"/leads/{w.lead.pk}/compose/", LEAD_WORKERS,
             data=lambda w: {"channel": "sms", "body": "Matrix hello"}, ok_status=302, effect=_text_queued),
    Endpoint("edit_page", "GET", lambda w: f"/leads/{w.lead.pk}/edit/", LEAD_WORKERS),
    Endpoint("edit_scenario", "POST", lambda w: f"/leads/{w.lead.pk}/edit/", LEAD_WORKERS,
             data=_edit_data, ok_status=302, effect=_scenario_edited),
    # Tasks.
    Endpoint("tasks", "GET", lambda w: "/tasks/", TASK_USERS),
    Endpoint("task_create", "POST", lambda w: "/tasks/new/", LEAD_WORKERS,
             data=lambda w: {"title": "Matrix follow-up", "kind": "follow_up", "assignee": w.people[OWNER].pk,
                             "lead": w.lead.pk},
             ok_status=302, denied_status=BULK_DENIED, effect=_task_added),
    Endpoint("task_complete", "POST", lambda w: f"/tasks/{w.task.pk}/done/", LEAD_WORKERS,
             ok_status=302, effect=_task_done),
    # Settings: the organisation's admins only.
    Endpoint("settings_home", "GET", lambda w: "/settings/", ORG_ADMINS),
    Endpoint("settings_people", "GET", lambda w: "/settings/people/", ORG_ADMINS),
    Endpoint("settings_person", "GET", lambda w: f"/settings/people/{w.people[OWNER].pk}/", frozenset({ADMIN})),
    Endpoint("settings_sources", "GET", lambda w: "/settings/sources/", ORG_ADMINS),
    Endpoint("settings_source", "GET", lambda w: f"/settings/sources/{w.intake_record.source_id}/",
             frozenset({ADMIN})),
    Endpoint("settings_response_time", "GET", lambda w: "/settings/response-time/", ORG_ADMINS),
    Endpoint("settings_consent", "GET", lambda w: "/settings/compliance/", ORG_ADMINS),
    Endpoint("settings_organisation", "GET", lambda w: "/settings/organisation/", ORG_ADMINS),
    Endpoint("settings_rename_team", "POST", lambda w: f"/settings/teams/{w.team.pk}/", frozenset({ADMIN}),
             data=lambda w: {"name": "Tampa Bay"}, ok_status=302, effect=_team_renamed),
    Endpoint("settings_branding", "GET", lambda w: "/settings/branding/", ORG_ADMINS),
    # Portals, the loan officer's side: the lead page's portal panel and its actions, and the partners page.
    Endpoint("lead_portal_panel", "GET", lambda w: f"/leads/{w.lead.pk}/portal/", LEAD_WORKERS),
    Endpoint("lead_under_contract", "POST", lambda w: f"/leads/{w.lead.pk}/portal/contract/", LEAD_WORKERS,
             data=lambda w: {"contract_date": "2026-11-20"}, ok_status=302, effect=_under_contract_saved),
    Endpoint("partners_page", "GET", lambda w: "/partners/", PARTNER_INVITERS),
]
# fmt: on


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_access_matrix(world, endpoint, role):
    client = Client()
    person = world.people[role]
    if person is not None:
        client.force_login(person)
    if endpoint.prepare is not None:
        endpoint.prepare(world)
    before = _state(world)

    send = client.get if endpoint.method == "GET" else client.post
    response = send(endpoint.url(world), endpoint.data(world))

    body = b"".join(response.streaming_content) if response.streaming else response.content
    content = body.decode(errors="replace")
    allowed = role in endpoint.allowed
    if role in PARTNERS:
        if endpoint.method == "GET" and not endpoint.url(world).startswith("/api/"):
            assert response.status_code == 302 and response["Location"] == "/portal/partner/"
        else:
            assert response.status_code == 403, f"{role} got {response.status_code}"
    elif role == ANONYMOUS:
        assert response.status_code == endpoint.anonymous_status
        if response.status_code == 302:
            assert response["Location"].startswith(("/login/?next=", "/admin/login/?next="))
    elif allowed:
        assert response.status_code == endpoint.ok_status, content[:500]
    else:
        assert response.status_code in endpoint.denied_status, f"{role} got {response.status_code}"
    if allowed and endpoint.effect is not None:
        endpoint.effect(world, person)
    elif role in PARTNERS:
        # The only thing a partner's request leaves behind is the audit of their portal sign-in.
        assert {**_state(world), "audit": 0} == {**before, "audit": 0}, (
            "a partner's request changed something"
        )
        assert AuditEvent.objects.count() == before["audit"] + 1
        assert AuditEvent.objects.latest("pk").action == "portal.sign_in"
    elif endpoint.method != "GET" or not allowed:
        assert _state(world) == before, "a denied request changed something"
    for marker, viewers in MARKER_VIEWERS.items():
        if role not in viewers:
            assert marker not in content, f"{endpoint.name} shows {marker!r} to {role}"
    if allowed and endpoint.lists_lead_to is not None and response.status_code == 200:
        assert (LEAD_MARKER in content) == (role in endpoint.lists_lead_to)


def test_referral_partner_is_sent_from_the_lead_page_to_the_partner_portal(world):
    client = Client()
    client.force_login(world.people[PARTNER_WHO_REFERRED])

    response = client.get(f"/leads/{world.lead.pk}/")

    assert response.status_code == 302 and response["Location"] == "/portal/partner/"
    assert "721" not in response.content.decode() and LEAD_MARKER not in response.content.decode()
    # The Django session is gone: the next workspace request is a stranger's, sent to sign in.
    assert client.get("/leads/")["Location"].startswith("/login/")
