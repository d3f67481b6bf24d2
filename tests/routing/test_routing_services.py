import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from firstcall.accounts.models import Notification, User
from firstcall.flows.lead_arrives import lead_arrives as capture
from firstcall.leads.models import IntakeRecord, Lead, Stage
from firstcall.leads.submission import LeadSubmission
from firstcall.routing import services
from firstcall.routing.models import LeadOffer, RoutingDecisionLog, RoutingRule
from tests.conftest import make_user, only_postgres

# Wednesday 2026-12-02 15:00 UTC = 10:00 in Tampa: inside business hours.
BUSINESS_HOURS = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def officers(organisation, team):
    organisation.first_touch_enabled = False
    organisation.save()
    people = []
    for index, (name, states) in enumerate([("ana", ["FL"]), ("ben", ["FL", "GA"]), ("cruz", ["FL"])]):
        user = make_user(
            organisation, name, nmls_id=f"30000{index}", licensed_states=states, phone=f"+1813555020{index}"
        )
        user.teams.add(team)
        people.append(user)
    return people


def capture_lead(source, number, **fields):
    values = {"first_name": f"Borrower{number}", "last_name": "Test", "phone": f"813555{number:04d}", "zip": "33602",
              "purpose": "purchase", "loan_type": "fha"}  # fmt: skip
    values.update(fields)
    record = IntakeRecord.objects.create(organisation=source.organisation, source=source, channel="api")
    return capture(
        LeadSubmission(**values), organisation=source.organisation, intake_record=record, source=source
    )


@time_machine.travel(BUSINESS_HOURS, tick=False)
def test_round_robin_takes_turns_and_logs_every_candidate(api_source, officers):
    owners = [capture_lead(api_source, number).lead.owner.username for number in range(6)]
    assert owners == ["ana", "ben", "cruz", "ana", "ben", "cruz"]
    log = RoutingDecisionLog.objects.order_by("decided_at", "id").first()
    assert log.chosen_user.username == "ana"
    assert {entry["user_id"] for entry in log.candidates} == {user.pk for user in officers}
    assert Notification.objects.filter(user=officers[0], kind="new_lead").count() == 2


@time_machine.travel(BUSINESS_HOURS, tick=False)
def test_unlicensed_officer_never_gets_the_lead_and_the_log_says_why(api_source, officers, organisation):
    texan = make_user(organisation, "tex", licensed_states=["TX"])
    for number in range(4):
        capture_lead(api_source, number)
    assert not Lead.objects.filter(owner=texan).exists()
    verdict = next(c for c in RoutingDecisionLog.objects.first().candidates if c["user_id"] == texan.pk)
    assert verdict["eligible"] is False
    assert any("licen" in reason for reason in verdict["reasons"])


@time_machine.travel(BUSINESS_HOURS, tick=False)
def test_rules_are_tried_in_order_and_first_match_wins(api_source, officers, organisation):
    va_rule = RoutingRule.objects.create(
        organisation=organisation, name="VA to Cruz", position=1, loan_types=["va"]
    )
    va_rule.candidates.add(officers[2])
    assert capture_lead(api_source, 1, loan_type="va").lead.owner == officers[2]
    assert capture_lead(api_source, 2, loan_type="va").lead.owner == officers[2]
    assert RoutingDecisionLog.objects.first().rule_name == "VA to Cruz"


@time_machine.travel(BUSINESS_HOURS, tick=False)
def test_preview_says_who_would_get_the_lead_without_moving_the_cursor(api_source, officers):
    first = capture_lead(api_source, 1).lead
    preview_one = services.preview_route(first)
    preview_two = services.preview_route(first)
    assert preview_one.chosen_user_id == preview_two.chosen_user_id == officers[1].pk
    assert capture_lead(api_source, 2).lead.owner == officers[1]


@time_machine.travel(BUSINESS_HOURS, tick=False)
def test_claim_mode_offers_to_the_group_and_the_first_claim_wins(api_source, officers, organisation):
    RoutingRule.objects.create(organisation=organisation, name="Claim pool", strategy="claim")
    lead = capture_lead(api_source, 1).lead
    assert lead.owner is None
    assert LeadOffer.objects.filter(lead=lead, status="open").count() == 3
    assert services.claim_lead(lead, officers[1]) is True
    assert services.claim_lead(lead, officers[0]) is False
    lead.refresh_from_db()
    assert lead.owner == officers[1]
    assert set(LeadOffer.objects.filter(lead=lead).values_list("status", flat=True)) == {
        "accepted",
        "withdrawn",
    }


def test_cascade_offers_one_by_one_then_falls_back_to_the_claim_pool(api_source, officers, organisation):
    RoutingRule.objects.create(
        organisation=organisation, name="Cascade", strategy="cascade", cascade_offer_minutes=5
    )
    with time_machine.travel(BUSINESS_HOURS, tick=False):
        lead = capture_lead(api_source, 1).lead
    first_offer = LeadOffer.objects.get(lead=lead, status="open")
    assert first_offer.expires_at == BUSINESS_HOURS + timedelta(minutes=5)
    offered_to = [first_offer.user_id]
    for step in range(1, 3):
        with time_machine.travel(BUSINESS_HOURS + timedelta(minutes=5 * step, seconds=1), tick=False):
            assert services.sweep_expired_offers() == 1
        offered_to.append(LeadOffer.objects.get(lead=lead, status="open").user_id)
    assert sorted(offered_to) == sorted(user.pk for user in officers)
    with time_machine.travel(BUSINESS_HOURS + timedelta(minutes=16), tick=False):
        services.sweep_expired_offers()
    pool = LeadOffer.objects.filter(lead=lead, kind="claim", status="open")
    assert pool.count() == 3
    assert services.claim_lead(lead, officers[2]) is True


def test_sla_clock_counts_only_business_hours(api_source, officers):
    friday_evening = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # Thursday 20:00 in Tampa
    with time_machine.travel(friday_evening, tick=False):
        lead = capture_lead(api_source, 1).lead
    # Opens Friday 09:00 local (14:00 UTC), plus the organisation's 5 minutes.
    assert lead.respond_by == datetime(2026, 12, 4, 14, 5, tzinfo=UTC)
    assert lead.sla_status == "pending"


def test_breach_ladder_realerts_then_offers_a_handover_then_tells_the_manager(api_source, officers, manager):
    with time_machine.travel(BUSINESS_HOURS, tick=False):
        lead = capture_lead(api_source, 1).lead
    first_owner = lead.owner
    with time_machine.travel(lead.respond_by + timedelta(seconds=1), tick=False):
        assert services.sweep_sla_breaches() == 1
        assert services.sweep_sla_breaches() == 0  # the same step is never applied twice
    assert Notification.objects.filter(user=first_owner, kind="sla").count() == 1
    lead.refresh_from_db()
    assert lead.sla_status == "breached"
    with time_machine.travel(lead.respond_by + timedelta(minutes=10, seconds=1), tick=False):
        assert services.sweep_sla_breaches() == 1
    lead.refresh_from_db()
    # The owner keeps the lead until someone accepts the handover.
    assert lead.owner == first_owner
    offers = list(LeadOffer.objects.filter(lead=lead, kind="handover", status="open"))
    assert offers and all(offer.user != first_owner and offer.from_user == first_owner for offer in offers)
    with time_machine.travel(lead.respond_by + timedelta(minutes=20, seconds=1), tick=False):
        assert services.sweep_sla_breaches() == 1
    assert Notification.objects.filter(user=manager, kind="sla").exists()
    lead.refresh_from_db()
    assert lead.owner == first_owner
    summaries = list(lead.timeline.filter(kind="sla").values_list("summary", flat=True))
    assert len(summaries) == 3


def test_accepting_a_handover_moves_the_lead_and_the_new_officer_introduces_themselves(
    api_source, officers, manager
):
    from firstcall.messaging.models import Message

    with time_machine.travel(BUSINESS_HOURS, tick=False):
        lead = capture_lead(api_source, 1).lead
        Lead.objects.filter(pk=lead.pk).update(consent_sms=True)
        lead.consent_sms = True
        Message.objects.create(lead=lead, organisation=lead.organisation, channel="sms", body="Hi, this is Ana", purpose="first_touch",
                               to_address=lead.phone, status="sent")  # fmt: skip
    first_owner = lead.owner
    with time_machine.travel(lead.respond_by + timedelta(minutes=10, seconds=1), tick=False):
        services.offer_handover(lead)
        offer = LeadOffer.objects.filter(lead=lead, kind="handover", status="open").first()
        assert services.claim_lead(lead, offer.user) is True
    lead.refresh_from_db()
    assert lead.owner == offer.user
    assert Notification.objects.filter(user=first_owner, kind="handover_done").exists()
    introduction = Message.objects.get(lead=lead, idempotency_key=f"handover:{lead.pk}:{offer.user.pk}")
    assert f"this is {offer.user.get_full_name() or offer.user.username}" in introduction.body
    assert first_owner.get_full_name() or first_owner.username in introduction.body
    # Every other offer is withdrawn: a second acceptance changes nothing.
    assert not LeadOffer.objects.filter(lead=lead, status="open").exists()


def test_without_another_licensed_officer_the_lead_stays_and_the_manager_is_told(
    api_source, officers, manager
):
    for officer in officers[1:]:
        officer.licensed_states = ["TX"]
        officer.save()
    with time_machine.travel(BUSINESS_HOURS, tick=False):
        lead = capture_lead(api_source, 1).lead
    owner = lead.owner
    assert owner == officers[0]
    with time_machine.travel(lead.respond_by + timedelta(minutes=10, seconds=1), tick=False):
        services.sweep_sla_breaches()
        services.sweep_sla_breaches()
    lead.refresh_from_db()
    assert lead.owner == owner
    assert not LeadOffer.objects.filter(lead=lead, kind="handover").exists()
    alert = Notification.objects.get(user=manager, kind="handover_none")
    assert "stays with" in alert.body


def test_human_contact_stops_the_clock_before_the_deadline(api_source, officers):
    with time_machine.travel(BUSINESS_HOURS, tick=False):
        lead = capture_lead(api_source, 1).lead
    with time_machine.travel(BUSINESS_HOURS + timedelta(minutes=2), tick=False):
        assert services.record_human_contact(lead, actor=lead.owner, how="connected call") is True
        assert services.record_human_contact(lead, actor=lead.owner, how="second call") is False
    lead.refresh_from_db()
    assert lead.sla_status == "met"
    with time_machine.travel(BUSINESS_HOURS + timedelta(hours=1), tick=False):
        assert services.sweep_sla_breaches() == 0


@time_machine.travel(BUSINESS_HOURS, tick=False)
def test_manual_reassignment_goes_on_the_timeline(api_source, officers, manager):
    lead = capture_lead(api_source, 1).lead
    services.reassign_lead(lead, officers[2], actor=manager, reason="speaks Spanish")
    lead.refresh_from_db()
    assert lead.owner == officers[2]
    assert lead.timeline.filter(kind="assigned", actor=manager).exists()


@time_machine.travel(BUSINESS_HOURS, tick=False)
def test_reassigning_to_another_organisations_user_is_refused(api_source, officers, manager, outsider):
    lead = capture_lead(api_source, 1).lead
    owner = lead.owner
    with pytest.raises(services.RoutingError):
        services.reassign_lead(lead, outsider, actor=manager)
    lead.refresh_from_db()
    assert lead.owner == owner


@time_machine.travel(BUSINESS_HOURS, tick=False)
def test_score_is_kept_with_history_and_reasons(api_source, officers):
    lead = capture_lead(api_source, 1, credit_band="poor", timeframe="12_months_plus").lead
    capture_lead(api_source, 2, phone="8135550001", credit_score=790, timeframe="asap", email="a@b.co",
                 first_name="Borrower1")  # fmt: skip
    lead.refresh_from_db()
    history = list(lead.scores.order_by("computed_at", "id"))
    assert len(history) == 2
    assert history[1].points > history[0].points
    assert sum(reason["points"] for reason in history[1].reasons) == history[1].points
    assert lead.score == history[1].points


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_have_exactly_one_winner(organisation, team):
    organisation.first_touch_enabled = False
    organisation.save()
    from firstcall.leads.sources import create_source

    source, _ = create_source(organisation, channel="api", name="Race")
    people = [make_user(organisation, f"racer{i}", licensed_states=["FL"]) for i in range(6)]
    RoutingRule.objects.create(organisation=organisation, name="Claim", strategy="claim")
    with time_machine.travel(BUSINESS_HOURS, tick=False):
        lead = capture_lead(source, 1).lead
    barrier = threading.Barrier(len(people))
    results = {}

    def attempt(user):
        try:
            barrier.wait()
            results[user.pk] = services.claim_lead(Lead.objects.get(pk=lead.pk), user)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in people]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    assert sorted(results.values()) == [False] * 5 + [True]
    winner = next(pk for pk, won in results.items() if won)
    assert Lead.objects.get(pk=lead.pk).owner_id == winner


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_round_robin_stays_fair_when_leads_arrive_at_once(organisation):
    organisation.first_touch_enabled = False
    organisation.save()
    from firstcall.leads.sources import create_source

    source, _ = create_source(organisation, channel="api", name="Burst")
    people = [make_user(organisation, f"fair{i}", licensed_states=["FL"]) for i in range(3)]
    barrier = threading.Barrier(9)

    def deliver(number):
        try:
            barrier.wait()
            with time_machine.travel(BUSINESS_HOURS, tick=True):
                capture_lead(source, number)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(number,)) for number in range(9)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    counts = sorted(Lead.objects.filter(owner=user).count() for user in people)
    assert counts == [3, 3, 3]


@time_machine.travel(BUSINESS_HOURS, tick=False)
def test_speed_to_lead_page_shows_medians_to_managers_and_loan_officers_their_own(
    client, api_source, officers, manager
):
    lead = capture_lead(api_source, 1).lead
    Lead.objects.filter(pk=lead.pk).update(first_touch_at=lead.created_at + timedelta(seconds=3))
    services.record_human_contact(lead, at=lead.created_at + timedelta(minutes=4), how="call")
    someone_else = next(officer for officer in officers if officer != lead.owner)
    client.force_login(someone_else)
    page = client.get("/reports/speed-to-lead/").content.decode()
    assert "Your speed to lead" in page and "4.0" not in page
    client.force_login(lead.owner)
    assert "4.0" in client.get("/reports/speed-to-lead/").content.decode()
    client.force_login(manager)
    page = client.get("/reports/speed-to-lead/").content.decode()
    assert "3.0" in page and "4.0" in page and "<svg" in page


def test_a_loan_officer_cannot_reassign(client, api_source, officers):
    with time_machine.travel(BUSINESS_HOURS, tick=False):
        lead = capture_lead(api_source, 1).lead
    owner = lead.owner
    client.force_login(owner)
    other = next(user for user in officers if user != owner)
    response = client.post(f"/leads/{lead.pk}/reassign/", {"owner": other.pk})
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.owner == owner


def test_unused_stage_import_guard():
    assert Stage.Outcome.OPEN == "open" and User.Role.MANAGER == "manager"


def test_a_text_sent_by_a_person_stops_the_clock_but_the_automatic_first_touch_does_not(
    api_source, officers, run_worker, django_capture_on_commit_callbacks
):
    from firstcall.messaging.services import queue_message

    api_source.organisation.first_touch_enabled = True
    api_source.organisation.save()
    with time_machine.travel(BUSINESS_HOURS, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            lead = capture_lead(api_source, 1, consent=_sms_consent()).lead
        run_worker()
    lead.refresh_from_db()
    assert lead.first_touch_at is not None
    assert lead.first_human_contact_at is None and lead.sla_status == "pending"
    with time_machine.travel(BUSINESS_HOURS + timedelta(minutes=3), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            queue_message(lead, "sms", "Hi, it's Ana. Calling you in 5?", purpose="manual", is_marketing=False,
                          sent_by=lead.owner)  # fmt: skip
        run_worker()
    lead.refresh_from_db()
    assert lead.first_human_contact_at == BUSINESS_HOURS + timedelta(minutes=3)
    assert lead.sla_status == "met"


def _sms_consent():
    from firstcall.leads.submission import ConsentInput

    return ConsentInput(sms=True, text="I agree to texts", ip="203.0.113.1")
