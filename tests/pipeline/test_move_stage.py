"""pipeline.services.move_stage: the one way a person (or a cadence) moves a lead along its pipeline."""

import pytest
from workspace_helpers import make_lead, snapshot, stage_named

from firstcall.accounts.models import User
from firstcall.cadences import services as cadence_services
from firstcall.leads.models import TimelineEvent
from firstcall.pipeline.services import StageMoveRefused, move_stage
from tests.conftest import make_user, only_postgres


def test_owner_moves_a_lead_and_the_timeline_says_from_where_to_where(organisation, owner):
    lead = make_lead(organisation, owner=owner)
    contacted = stage_named(organisation, "Contacted")

    assert move_stage(lead, contacted, owner) is True

    lead.refresh_from_db()
    assert lead.stage_id == contacted.pk
    assert lead.closed_at is None
    event = lead.timeline.get(kind=TimelineEvent.Kind.STAGE_CHANGED)
    assert event.summary == "Stage changed from New to Contacted"
    assert event.actor == owner
    assert event.data == {
        "from": "New",
        "to": "Contacted",
        "from_stage_id": stage_named(organisation, "New").pk,
        "to_stage_id": contacted.pk,
        "lost_reason": "",
    }


def test_closing_sets_closed_at_and_reopening_clears_it(organisation, owner):
    lead = make_lead(organisation, owner=owner, stage="Clear to close")

    move_stage(lead, stage_named(organisation, "Closed"), owner)
    lead.refresh_from_db()
    assert lead.closed_at is not None

    move_stage(lead, stage_named(organisation, "Processing"), owner)
    lead.refresh_from_db()
    assert lead.closed_at is None
    assert lead.stage.name == "Processing"


def test_moving_to_lost_without_a_reason_is_refused_and_changes_nothing(organisation, owner):
    lead = make_lead(organisation, owner=owner, stage="Qualified")
    before = snapshot(lead)

    with pytest.raises(StageMoveRefused) as refused:
        move_stage(lead, stage_named(organisation, "Lost"), owner, lost_reason="   ")

    assert refused.value.field == "lost_reason"
    assert refused.value.message == "Say why the lead was lost."
    assert snapshot(lead) == before


def test_lost_keeps_its_reason_and_leaving_lost_clears_it(organisation, owner):
    lead = make_lead(organisation, owner=owner, stage="Qualified")

    move_stage(lead, stage_named(organisation, "Lost"), owner, lost_reason="  Went with   another lender ")
    lead.refresh_from_db()
    assert lead.lost_reason == "Went with another lender"
    assert lead.closed_at is not None
    assert lead.timeline.get(kind="stage_changed").summary == (
        "Stage changed from Qualified to Lost: Went with another lender"
    )

    move_stage(lead, stage_named(organisation, "Contacted"), owner)
    lead.refresh_from_db()
    assert (lead.lost_reason, lead.closed_at) == ("", None)


@pytest.mark.parametrize("role", ["shared_officer", "other_officer", "processor", "partner", "outsider"])
def test_people_who_may_not_move_the_lead_are_refused_and_nothing_changes(
    role, organisation, owner, teammate, outsider
):
    processor = make_user(organisation, "pat", role=User.Role.PROCESSOR)
    partner = make_user(organisation, "paula", role=User.Role.PARTNER)
    lead = make_lead(organisation, owner=owner, processor=processor, referral_partner=partner)
    shared_officer = make_user(organisation, "sam")
    lead.shared_with.add(shared_officer)
    actor = {
        "shared_officer": shared_officer,
        "other_officer": teammate,
        "processor": processor,
        "partner": partner,
        "outsider": outsider,
    }[role]
    before = snapshot(lead)

    with pytest.raises(StageMoveRefused) as refused:
        move_stage(lead, stage_named(organisation, "Contacted"), actor)

    assert refused.value.message == "You may not move this lead."
    assert snapshot(lead) == before


def test_a_manager_moves_their_teams_leads_and_an_admin_moves_any(organisation, owner, manager, admin_user):
    team_lead = make_lead(organisation, owner=owner)
    loner = make_user(organisation, "lonnie")  # in no team
    other_lead = make_lead(organisation, owner=loner)

    assert move_stage(team_lead, stage_named(organisation, "Contacted"), manager) is True
    with pytest.raises(StageMoveRefused):
        move_stage(other_lead, stage_named(organisation, "Contacted"), manager)
    assert move_stage(other_lead, stage_named(organisation, "Contacted"), admin_user) is True


def test_a_stage_of_another_pipeline_is_refused(organisation, owner):
    lead = make_lead(organisation, owner=owner)
    before = snapshot(lead)

    with pytest.raises(StageMoveRefused) as refused:
        move_stage(lead, stage_named(organisation, "Contacted", kind="refinance"), owner)

    assert refused.value.field == "stage"
    assert snapshot(lead) == before


def test_moving_to_the_stage_it_is_in_writes_nothing(organisation, owner):
    lead = make_lead(organisation, owner=owner)
    before = snapshot(lead)

    assert move_stage(lead, stage_named(organisation, "New"), owner) is False
    assert snapshot(lead) == before


def test_the_system_moves_without_an_actor(organisation, owner):
    lead = make_lead(organisation, owner=owner)

    assert move_stage(lead, stage_named(organisation, "Contacted")) is True
    assert lead.timeline.get(kind="stage_changed").actor is None


def test_every_move_tells_the_cadences(organisation, owner, monkeypatch):
    calls = []
    monkeypatch.setattr(
        cadence_services,
        "on_stage_changed",
        lambda lead, old, new, *, actor=None: calls.append((old, new, actor)),
    )
    lead = make_lead(organisation, owner=owner)

    move_stage(lead, stage_named(organisation, "Contacted"), owner)

    assert calls == [(stage_named(organisation, "New"), stage_named(organisation, "Contacted"), owner)]


def test_closing_a_lead_stops_its_cadence(organisation, owner):
    from tests.cadences.cadence_helpers import build_cadence, sms, wait

    cadence = build_cadence(organisation, [wait(1), sms("Hi {first_name}, still looking?")])
    lead = make_lead(organisation, owner=owner, consent_sms=True)
    enrolment = cadence_services.enrol(lead, cadence, actor=owner)

    move_stage(lead, stage_named(organisation, "Lost"), owner, lost_reason="Stopped responding")

    enrolment.refresh_from_db()
    assert enrolment.status == "stopped"
    assert enrolment.stop_reason == "stage_changed"


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_moving_the_same_card_at_once_take_turns(organisation, owner, manager):
    """The row lock makes the second move wait, so the timeline reads New -> A -> B, never New -> A, New -> B
    (and the waiting move still finds its lead: a joined SELECT ... FOR UPDATE would not, on PostgreSQL)."""
    import threading

    from django.db import connection

    lead = make_lead(organisation, owner=owner)
    targets = {owner: stage_named(organisation, "Contacted"), manager: stage_named(organisation, "Qualified")}
    barrier = threading.Barrier(2)
    errors = []

    def move(person):
        try:
            barrier.wait()
            move_stage(lead.__class__.objects.get(pk=lead.pk), targets[person], person)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(person,)) for person in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    events = list(lead.timeline.filter(kind="stage_changed").order_by("pk"))
    assert len(events) == 2
    assert events[0].data["from"] == "New"
    assert events[1].data["from"] == events[0].data["to"]
    lead.refresh_from_db()
    assert lead.stage.name == events[1].data["to"]
