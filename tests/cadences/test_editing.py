"""Versions: editing never double-sends, the rule shown to the editor, checks before publishing; the built-in
library; enrolment rules on capture, manual and bulk enrolment."""

from datetime import timedelta

import pytest
import time_machine
from cadence_helpers import IDS_LINE, build_cadence, call, eastern, make_lead, runs, sms, wait

from firstcall.cadences import editing, library, services, templating
from firstcall.cadences.models import Cadence, CadenceStep, Enrolment, MessageTemplate, StepRun
from firstcall.cadences.personalise import MERGE_FIELDS, compose
from firstcall.messaging.models import Message

MONDAY_10AM = eastern(2026, 3, 9, 10, 0)


def sent_bodies(lead):
    return list(
        body.removesuffix(IDS_LINE)
        for body in Message.objects.filter(lead=lead, purpose="cadence")
        .order_by("pk")
        .values_list("body", flat=True)
    )


# ------------------------------------------------------------------------------------------- versions


def test_editing_a_cadence_never_double_sends_to_enrolled_leads(organisation, owner, manager):
    cadence = build_cadence(
        organisation,
        [
            sms("A. Reply STOP to opt out."),
            wait(2, "days"),
            sms("B. Reply STOP to opt out."),
            wait(2, "days"),
            call("Call"),
        ],
        actor=manager,
    )
    early = make_lead(organisation, owner=owner)
    with time_machine.travel(MONDAY_10AM, tick=False):
        early_enrolment = services.enrol(early, cadence)
        services.sweep_due_steps()
    assert sent_bodies(early) == ["A. Reply STOP to opt out."]

    # Version 2: B reworded and a new first step; published without touching enrolled leads.
    draft = editing.draft_of(cadence, actor=manager)
    assert draft.number == 2 and [step.key for step in draft.steps.all()] == [
        step.key for step in cadence.current_version.steps.all()
    ]
    editing.update_step(draft.steps.get(position=2), body="B, reworded. Reply STOP to opt out.")
    editing.add_step(draft, position=0, kind="send_sms", body="Z, new first text. Reply STOP to opt out.")
    assert (
        editing.enrolled_on_versions(cadence)
        .explanation(2)
        .startswith(
            "Version 2 applies to leads enrolled from now on. 1 lead is already enrolled (1 on version 1) "
            "and "
            "continue their current plan."
        )
    )
    result = editing.publish(cadence, actor=manager)
    assert (result.version.number, result.replanned) == (2, 0)

    late = make_lead(organisation, owner=owner, phone="+18135550142", email="late@example.com")
    with time_machine.travel(MONDAY_10AM + timedelta(hours=1), tick=False):
        late_enrolment = services.enrol(late, cadence)
        services.sweep_due_steps()
    assert late_enrolment.cadence_version.number == 2
    assert sent_bodies(late) == ["Z, new first text. Reply STOP to opt out.", "A. Reply STOP to opt out."]

    with time_machine.travel(eastern(2026, 3, 11, 10, 1), tick=False):
        services.sweep_due_steps()
    assert sent_bodies(early) == ["A. Reply STOP to opt out.", "B. Reply STOP to opt out."]  # its own version

    # Version 3 with "apply to pending steps": the early lead's next step (the call) comes from version 3, and
    # neither Z (added before its place) nor A nor B is sent again.
    draft = editing.draft_of(cadence, actor=manager)
    editing.update_step(draft.steps.get(position=5), body="Call {{ borrower.first_name }} (v3)")
    with time_machine.travel(eastern(2026, 3, 11, 12, 0), tick=False):
        result = editing.publish(cadence, actor=manager, apply_to_pending=True)
    assert (result.version.number, result.replanned, result.kept) == (3, 2, 0)
    early_enrolment.refresh_from_db()
    assert early_enrolment.cadence_version.number == 3
    pending = StepRun.objects.get(enrolment=early_enrolment, status="pending")
    assert pending.step.body == "Call {{ borrower.first_name }} (v3)"
    assert pending.due_at == eastern(2026, 3, 13, 10, 1)  # the wait still counts from when B went
    with time_machine.travel(eastern(2026, 3, 20, 10, 0), tick=False):
        services.sweep_due_steps()
    assert sent_bodies(early) == ["A. Reply STOP to opt out.", "B. Reply STOP to opt out."]
    assert early.call_tasks.get().title == "Call Ana (v3)"
    late_enrolment.refresh_from_db()
    assert late_enrolment.cadence_version.number == 3
    assert Message.objects.filter(purpose="cadence").values("idempotency_key").distinct().count() == len(
        sent_bodies(early) + sent_bodies(late)
    )


def test_a_step_being_run_keeps_its_version_when_re_planning(organisation, owner):
    cadence = build_cadence(organisation, [call("One"), wait(1, "days"), call("Two")])
    lead = make_lead(organisation, owner=owner)
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        assert services.claim_step_run(runs(enrolment)[0].pk)
    editing.update_step(editing.draft_of(cadence).steps.get(position=2), body="Two (new)")
    result = editing.publish(cadence, apply_to_pending=True)
    assert (result.replanned, result.kept) == (0, 1)
    enrolment.refresh_from_db()
    assert enrolment.cadence_version.number == 1


def test_published_versions_and_builtins_cannot_be_edited(organisation):
    cadence = build_cadence(organisation, [call("One")])
    with pytest.raises(editing.EditRefused):
        editing.update_step(cadence.current_version.steps.get(), body="changed")
    with pytest.raises(editing.EditRefused):
        editing.add_step(cadence.current_version, kind="call_task", body="x")
    [builtin, *_] = editing.ensure_builtin_cadences(organisation)
    with pytest.raises(editing.EditRefused):
        editing.draft_of(builtin)
    with pytest.raises(editing.EditRefused):
        editing.update_cadence_settings(builtin, name="Mine")
    assert cadence.current_version.steps.get().body == "One"


def test_publishing_checks_the_draft(organisation):
    cadence = editing.create_cadence(organisation, name="Broken")
    draft = editing.draft_of(cadence)
    editing.add_step(draft, kind="wait", wait_amount=0, wait_unit="days")
    editing.add_step(draft, kind="send_sms", body="Hi {{ borrower.ssn }} {% load x %}")
    editing.add_step(
        draft, kind="branch", condition_field="score_tier", condition_values=[], jump_to_key="gone"
    )
    loop = editing.add_step(draft, kind="call_task", body="Call")
    editing.add_step(draft, kind="branch", condition_field="replied", jump_to_key=loop.key)
    assert editing.version_problems(draft) == [
        "Step 1: a wait of 0 does nothing.",
        "Step 2: template tags such as '{% load x %}' are not allowed: only {{ merge fields }}",
        "Step 2: unknown merge field 'borrower.ssn'",
        "Step 3: list the values the condition checks.",
        "Step 3: the step it jumps to was removed.",
        "Step 5: jumping back without a wait in between would loop for ever.",
    ]
    with pytest.raises(editing.EditRefused):
        editing.publish(cadence)
    cadence.refresh_from_db()
    assert cadence.current_version is None


def test_steps_can_be_reordered_and_removed_in_a_draft(organisation):
    cadence = editing.create_cadence(organisation, name="Order")
    draft = editing.draft_of(cadence)
    a = editing.add_step(draft, kind="call_task", body="A")
    editing.add_step(draft, kind="call_task", body="B")
    editing.add_step(draft, kind="call_task", body="C")
    editing.move_step(a, +1)
    assert list(draft.steps.order_by("position").values_list("body", flat=True)) == ["B", "A", "C"]
    editing.remove_step(CadenceStep.objects.get(version=draft, body="B"))
    assert list(draft.steps.order_by("position").values_list("body", "position")) == [("A", 0), ("C", 1)]


def test_a_branch_jumps_to_its_target_or_ends_the_cadence(organisation, owner):
    cadence = editing.create_cadence(organisation, name="Branchy")
    draft = editing.draft_of(cadence)
    hot_branch = editing.add_step(
        draft, kind="branch", condition_field="score_tier", condition_values=["hot"]
    )
    editing.add_step(draft, kind="call_task", body="Warm call")
    editing.add_step(draft, kind="branch", condition_field="loan_type", condition_values=["va"])  # -> end
    target = editing.add_step(draft, kind="call_task", body="Last call")
    editing.update_step(hot_branch, jump_to_key=target.key)
    editing.publish(cadence)
    editing.set_active(cadence, True)

    def tasks_for(**fields):
        lead = make_lead(organisation, owner=owner, **fields)
        with time_machine.travel(MONDAY_10AM, tick=False):
            enrolment = services.enrol(lead, cadence)
            services.sweep_due_steps()
        enrolment.refresh_from_db()
        assert enrolment.status == "completed"
        return list(lead.call_tasks.order_by("pk").values_list("title", flat=True))

    assert tasks_for(score_tier="hot", phone="+18135550101") == ["Last call"]
    assert tasks_for(score_tier="warm", loan_type="va", phone="+18135550102") == ["Warm call"]
    assert tasks_for(score_tier="warm", loan_type="fha", phone="+18135550103") == ["Warm call", "Last call"]


def test_discarding_a_draft_keeps_the_published_version(organisation):
    cadence = build_cadence(organisation, [call("One")])
    editing.add_step(editing.draft_of(cadence), kind="call_task", body="Two")
    assert editing.discard_draft(cadence)
    assert cadence.versions.count() == 1 and editing.draft_of(cadence).steps.count() == 1


def test_copying_a_cadence_makes_an_editable_copy(organisation, manager):
    [builtin, *_] = editing.ensure_builtin_cadences(organisation)
    copy = editing.copy_cadence(builtin, actor=manager)
    assert (copy.is_builtin, copy.is_active, copy.copied_from, copy.version) == (False, False, builtin, 1)
    assert copy.name == f"{builtin.name} (copy)" and copy.trigger == builtin.trigger
    assert list(copy.current_version.steps.values_list("kind", "key")) == list(
        builtin.current_version.steps.values_list("kind", "key")
    )
    editing.update_step(editing.draft_of(copy).steps.first(), wait_amount=3)


# ------------------------------------------------------------------------------------------- the library


def test_the_builtin_library_is_seeded_once_and_every_version_is_valid(organisation):
    seeded = editing.ensure_builtin_cadences(organisation)
    assert [cadence.builtin_key for cadence in seeded] == [spec["key"] for spec in library.CADENCES]
    assert {cadence.name for cadence in seeded} >= {
        "New purchase lead: FHA first-time buyer",
        "New purchase lead: conventional",
        "Refinance",
        "VA buyer",
        "Pre-approved and house-hunting",
        "Application started but stalled",
        "Long-term nurture: monthly check-in for 12 months",
        "Lost or not ready: re-engagement at 90 days",
    }
    for cadence in seeded:
        assert cadence.is_builtin and not cadence.is_active and cadence.version == 1
        assert editing.version_problems(cadence.current_version) == [], cadence.name
    assert editing.ensure_builtin_cadences(organisation) == seeded  # idempotent
    assert Cadence.objects.filter(organisation=organisation).count() == len(library.CADENCES)
    nurture = Cadence.objects.get(builtin_key="long_term_nurture")
    sends = nurture.current_version.steps.filter(kind__in=["send_sms", "send_email"]).count()
    assert sends == 12


def test_every_builtin_template_renders_cleanly_for_a_real_lead(organisation, owner):
    editing.ensure_builtin_cadences(organisation)
    lead = make_lead(organisation, owner=owner, first_name="")
    for template in MessageTemplate.objects.filter(organisation=organisation):
        assert templating.problems(f"{template.subject}\n{template.body}", MERGE_FIELDS) == [], template.name
        composed = compose(lead, template.channel, template=template)
        assert "{" not in composed.body and "}" not in composed.body, template.name
        if template.channel == "sms":
            assert "STOP" in template.body and composed.body.count("STOP") == 1, template.name
            assert composed.segments.segments <= 3, (template.name, composed.segments.summary)
        else:
            assert composed.subject and "Olivia" in composed.body


def test_a_new_fha_lead_is_enrolled_in_the_fha_cadence_on_capture(organisation, owner):
    editing.ensure_builtin_cadences(organisation, activate=True)
    fha = make_lead(organisation, owner=owner, loan_type="fha")
    [enrolment] = services.enrol_new_lead(fha)
    assert enrolment.cadence.builtin_key == "new_purchase_fha" and enrolment.enrolled_how == "capture rule"
    conventional = make_lead(organisation, owner=owner, loan_type="not_sure", phone="+18135550150")
    assert [e.cadence.builtin_key for e in services.enrol_new_lead(conventional)] == [
        "new_purchase_conventional"
    ]
    refinance = make_lead(
        organisation,
        owner=owner,
        purpose="cash_out_refinance",
        pipeline_kind="refinance",
        phone="+18135550151",
    )
    assert [e.cadence.builtin_key for e in services.enrol_new_lead(refinance)] == ["refinance"]
    assert services.enrol_new_lead(fha) == []  # already in one


def test_turned_off_cadences_enrol_nobody(organisation, owner):
    editing.ensure_builtin_cadences(organisation)
    assert services.enrol_new_lead(make_lead(organisation, owner=owner)) == []


# ------------------------------------------------------------------------------------------- enrolment


def test_one_open_cadence_per_pipeline_unless_parallel_or_replaced(organisation, owner):
    lead = make_lead(organisation, owner=owner)
    first = build_cadence(organisation, [wait(1, "days"), call("A")], name="First")
    second = build_cadence(organisation, [wait(1, "days"), call("B")], name="Second")
    newsletter = build_cadence(
        organisation, [wait(30, "days"), call("C")], name="Newsletter", allows_parallel=True
    )
    services.enrol(lead, first)
    with pytest.raises(services.EnrolmentRefused, match="already in First"):
        services.enrol(lead, second)
    with pytest.raises(services.EnrolmentRefused, match="already in First"):
        services.enrol(lead, first)
    services.enrol(lead, newsletter)
    services.enrol(lead, second, replace=True)
    statuses = dict(Enrolment.objects.filter(lead=lead).values_list("cadence__name", "status"))
    assert statuses == {"First": "stopped", "Second": "active", "Newsletter": "active"}
    assert Enrolment.objects.get(cadence=first).stop_reason == "replaced"


def test_the_database_refuses_a_second_open_enrolment_in_a_pipeline(organisation, owner):
    from django.db import IntegrityError, transaction

    lead = make_lead(organisation, owner=owner)
    first = build_cadence(organisation, [call("A")], name="First")
    second = build_cadence(organisation, [call("B")], name="Second")
    services.enrol(lead, first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            organisation=organisation,
            lead=lead,
            cadence=second,
            cadence_version=second.current_version,
            pipeline=lead.pipeline,
        )


def test_enrolment_is_refused_for_closed_leads_and_turned_off_cadences(organisation, owner):
    cadence = build_cadence(organisation, [call("A")], active=False)
    lead = make_lead(organisation, owner=owner)
    with pytest.raises(services.EnrolmentRefused, match="turned off"):
        services.enrol(lead, cadence)
    editing.set_active(cadence, True)
    lost = make_lead(organisation, owner=owner, stage_name="Lost", phone="+18135550160")
    with pytest.raises(services.EnrolmentRefused, match="lost"):
        services.enrol(lost, cadence)
    assert not Enrolment.objects.exists()


def test_bulk_enrol_enrols_what_it_may_and_says_why_not(organisation, owner, teammate):
    cadence = build_cadence(organisation, [wait(1, "days"), call("A")])
    mine = make_lead(organisation, owner=owner)
    also_mine = make_lead(organisation, owner=owner, phone="+18135550170")
    theirs = make_lead(organisation, owner=teammate, phone="+18135550171")
    services.enrol(also_mine, build_cadence(organisation, [wait(1, "days"), call("B")], name="Other"))
    result = services.bulk_enrol([mine, also_mine, theirs], cadence, owner)
    assert result.enrolled == [mine.pk]
    assert result.skipped == {
        also_mine.pk: "The lead is already in Other. Remove it first, or replace it.",
        theirs.pk: "You may not change this lead's cadence.",
    }
    assert not Enrolment.objects.filter(lead=theirs).exists()


def test_a_lead_captured_through_the_api_is_enrolled_in_the_capture_transaction(
    client, api_source, borrower_payload, organisation, owner
):
    import json

    editing.ensure_builtin_cadences(organisation, activate=True)
    with time_machine.travel(MONDAY_10AM, tick=False):
        response = client.post(
            "/api/v1/leads",
            data=json.dumps(borrower_payload),
            content_type="application/json",
            headers={"X-Api-Key": api_source.raw_api_key},
        )
    assert response.status_code == 201
    [enrolment] = Enrolment.objects.all()
    assert enrolment.cadence.builtin_key == "new_purchase_fha" and enrolment.enrolled_how == "capture rule"
    [run] = runs(enrolment)
    assert run.step.kind == "call_task" and run.due_at == MONDAY_10AM + timedelta(hours=2)
