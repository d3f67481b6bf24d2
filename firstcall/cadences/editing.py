"""Building and changing cadences and templates: the only code that writes cadences, versions and steps.

The rule shown to the editor (and enforced here): a published version is never edited. Step changes go to the
cadence's draft version; publishing makes the draft the version new enrolments get. Leads already enrolled
keep the plan of their version. "Apply to pending steps" moves them to the new version only from their next
unsent step on: steps already run are never run again, and steps added before a lead's current point are not
run for that lead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from firstcall.cadences import engine, library, services, templating
from firstcall.cadences.models import (
    Cadence,
    CadenceStep,
    CadenceVersion,
    Enrolment,
    MessageTemplate,
    StepRun,
    new_step_key,
)
from firstcall.cadences.personalise import MERGE_FIELDS
from firstcall.compliance.engine import adlint
from firstcall.leads.models import Lead

Kind = CadenceStep.Kind
STEP_FIELDS = (
    "kind",
    "template_id",
    "subject",
    "body",
    "wait_amount",
    "wait_unit",
    "at_local_time",
    "condition_field",
    "condition_values",
    "condition_negate",
    "jump_to_key",
    "stage_name",
    "notify_by_sms",
)
SETTINGS_FIELDS = (
    "name",
    "description",
    "pipeline_kind",
    "trigger",
    "purposes",
    "loan_types",
    "source_ids",
    "stages",
    "score_tiers",
    "languages",
    "priority",
    "allows_parallel",
    "stop_on_reply",
    "stop_on_stages",
    "stop_when_closed",
    "stop_when_leaving_stages",
)


class EditRefused(Exception):
    pass


# ------------------------------------------------------------------------------------------- cadences


def create_cadence(organisation, *, actor=None, **fields) -> Cadence:
    """A new cadence with an empty draft version 1 (turned off until published and switched on)."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Unknown cadence fields: {sorted(unknown)}")
    with transaction.atomic():
        cadence = Cadence.objects.create(organisation=organisation, created_by=actor, **fields)
        CadenceVersion.objects.create(cadence=cadence, number=1, created_by=actor)
    return cadence


def update_cadence_settings(cadence: Cadence, *, actor=None, **fields) -> Cadence:
    """Name, enrolment rules and stop rules. Not versioned: rules decide who joins from now on, and stop rules
    only ever stop sending, so applying them to enrolled leads at once cannot double-send."""
    if cadence.is_builtin:
        raise EditRefused("Built-in cadences cannot be edited; copy it and edit the copy.")
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Unknown cadence fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(cadence, name, value)
    cadence.updated_at = timezone.now()
    cadence.save(update_fields=[*fields, "updated_at"])
    return cadence


def set_active(cadence: Cadence, active: bool, *, actor=None) -> Cadence:
    if active and cadence.current_version_id is None:
        raise EditRefused("Publish a version before turning the cadence on.")
    Cadence.objects.filter(pk=cadence.pk).update(is_active=active, updated_at=timezone.now())
    cadence.is_active = active
    return cadence


def copy_cadence(cadence: Cadence, *, actor=None, name: str | None = None) -> Cadence:
    """An editable copy (turned off) whose version 1 has the same steps as the original's current version."""
    source = cadence.current_version or cadence.versions.order_by("-number").first()
    with transaction.atomic():
        copy = Cadence.objects.create(
            organisation=cadence.organisation,
            created_by=actor,
            copied_from=cadence,
            is_active=False,
            **{name_: getattr(cadence, name_) for name_ in SETTINGS_FIELDS if name_ != "name"},
            name=(name or f"{cadence.name} (copy)")[:120],
        )
        version = CadenceVersion.objects.create(cadence=copy, number=1, created_by=actor)
        _copy_steps(source, version)
        _publish_version(copy, version, actor, note=f"copied from {cadence.name}")
    return copy


def _copy_steps(source: CadenceVersion | None, target: CadenceVersion) -> None:
    if source is None:
        return
    CadenceStep.objects.bulk_create(
        CadenceStep(
            version=target,
            position=step.position,
            key=step.key,
            **{name: getattr(step, name) for name in STEP_FIELDS},
        )
        for step in source.steps.order_by("position")
    )


# --------------------------------------------------------------------------------------------- drafts


def draft_of(cadence: Cadence, *, actor=None) -> CadenceVersion:
    """The cadence's draft (created from the current version when there is none)."""
    if cadence.is_builtin:
        raise EditRefused("Built-in cadences cannot be edited; copy it and edit the copy.")
    with transaction.atomic():
        Cadence.objects.select_for_update().filter(pk=cadence.pk).first()
        draft = cadence.versions.filter(published_at__isnull=True).first()
        if draft is not None:
            return draft
        number = (cadence.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        draft = CadenceVersion.objects.create(cadence=cadence, number=number, created_by=actor)
        _copy_steps(cadence.current_version, draft)
    return draft


def _require_draft(version: CadenceVersion) -> None:
    if version.published_at is not None:
        raise EditRefused("Published versions never change; edit the draft.")


def _clean_step_fields(fields: dict) -> dict:
    unknown = set(fields) - set(STEP_FIELDS)
    if unknown:
        raise ValueError(f"Unknown step fields: {sorted(unknown)}")
    return fields


def add_step(version: CadenceVersion, *, position: int | None = None, **fields) -> CadenceStep:
    _require_draft(version)
    _clean_step_fields(fields)
    with transaction.atomic():
        count = version.steps.count()
        position = count if position is None else max(0, min(position, count))
        # Make room: shift later steps up (from the end, so the unique position never collides).
        for step in version.steps.filter(position__gte=position).order_by("-position"):
            CadenceStep.objects.filter(pk=step.pk).update(position=step.position + 1)
        return CadenceStep.objects.create(version=version, position=position, **fields)


def update_step(step: CadenceStep, **fields) -> CadenceStep:
    _require_draft(step.version)
    _clean_step_fields(fields)
    for name, value in fields.items():
        setattr(step, name, value)
    step.save(update_fields=[name if name != "template_id" else "template" for name in fields] or None)
    return step


def remove_step(step: CadenceStep) -> None:
    _require_draft(step.version)
    with transaction.atomic():
        version, position = step.version, step.position
        step.delete()
        for later in version.steps.filter(position__gt=position).order_by("position"):
            CadenceStep.objects.filter(pk=later.pk).update(position=later.position - 1)


def move_step(step: CadenceStep, offset: int) -> None:
    """Move a step up (-1) or down (+1) by swapping it with its neighbour."""
    _require_draft(step.version)
    with transaction.atomic():
        neighbour = step.version.steps.filter(position=step.position + offset).first()
        if neighbour is None:
            return
        parking = 10_000 + step.position
        CadenceStep.objects.filter(pk=step.pk).update(position=parking)
        CadenceStep.objects.filter(pk=neighbour.pk).update(position=step.position)
        CadenceStep.objects.filter(pk=step.pk).update(position=neighbour.position)


def replace_draft_steps(cadence: Cadence, steps: list[dict], *, actor=None) -> CadenceVersion:
    """Write the whole step list into the draft (the API's edit). A step keeps its identity through its
    ``key``: send back the keys of the steps you keep, so enrolled leads re-planned on publish find their
    place, and branches name their target by key. Templates must be the organisation's own."""
    keys = [spec.get("key") or "" for spec in steps]
    given = [key for key in keys if key]
    if len(given) != len(set(given)):
        raise EditRefused("Two steps have the same key.")
    # "is not None": a template id of 0 must be refused here, not reach the database as a broken reference.
    template_ids = {spec["template_id"] for spec in steps if spec.get("template_id") is not None}
    own = set(
        MessageTemplate.objects.filter(
            organisation_id=cadence.organisation_id, pk__in=template_ids
        ).values_list("pk", flat=True)
    )
    if template_ids - own:
        raise EditRefused(f"No such template: {sorted(template_ids - own)}.")
    with transaction.atomic():
        draft = draft_of(cadence, actor=actor)
        draft.steps.all().delete()
        for position, spec in enumerate(steps):
            fields = _clean_step_fields({name: value for name, value in spec.items() if name != "key"})
            CadenceStep.objects.create(
                version=draft, position=position, key=keys[position] or new_step_key(), **fields
            )
    return draft


def discard_draft(cadence: Cadence) -> bool:
    draft = cadence.versions.filter(published_at__isnull=True).first()
    if draft is None or cadence.current_version_id is None:
        return False  # a never-published cadence keeps its only (draft) version
    draft.delete()
    return True


# ---------------------------------------------------------------------------------------------- checks


def version_problems(version: CadenceVersion) -> list[str]:
    """Everything that would make the version misbehave, in words the editor understands."""
    problems = []
    steps = list(version.steps.select_related("template").order_by("position"))
    if not any(step.kind != Kind.WAIT for step in steps):
        problems.append("The cadence has no step that does anything.")
    keys = {step.key: step.position for step in steps}
    for step in steps:
        where = f"Step {step.position + 1}"
        if step.kind in (Kind.SEND_SMS, Kind.SEND_EMAIL):
            channel = "sms" if step.kind == Kind.SEND_SMS else "email"
            if step.template_id:
                if step.template.channel != channel:
                    problems.append(
                        f"{where}: the template is for {step.template.get_channel_display().lower()}."
                    )
            elif not step.body.strip():
                problems.append(f"{where}: choose a template or write the message.")
            for problem in templating.problems(f"{step.subject}\n{step.body}", MERGE_FIELDS):
                problems.append(f"{where}: {problem}")
            for problem in advertising_problems(step.subject, step.body):
                problems.append(f"{where}: {problem}")
        elif step.kind == Kind.WAIT:
            if step.wait_unit not in CadenceStep.WaitUnit.values:
                problems.append(f"{where}: choose hours, days, business days or a time of day.")
            elif step.wait_unit == engine.UNTIL_TIME and step.at_local_time is None:
                problems.append(f"{where}: choose the time of day to wait for.")
            elif step.wait_unit != engine.UNTIL_TIME and step.wait_amount == 0 and step.at_local_time is None:
                problems.append(f"{where}: a wait of 0 does nothing.")
        elif step.kind == Kind.BRANCH:
            if step.condition_field not in CadenceStep.ConditionField.values:
                problems.append(f"{where}: choose a condition.")
            needs_values = step.condition_field in ("stage", "score_tier", "loan_type", "purpose")
            if needs_values and not step.condition_values:
                problems.append(f"{where}: list the values the condition checks.")
            if step.jump_to_key:
                target = keys.get(step.jump_to_key)
                if target is None:
                    problems.append(f"{where}: the step it jumps to was removed.")
                elif target <= step.position and not any(
                    other.kind == Kind.WAIT for other in steps[target : step.position]
                ):
                    problems.append(f"{where}: jumping back without a wait in between would loop for ever.")
        elif step.kind in (Kind.CALL_TASK, Kind.NOTIFY_OWNER):
            if not step.body.strip():
                problems.append(f"{where}: write what the owner should see.")
            for problem in templating.problems(step.body, MERGE_FIELDS):
                problems.append(f"{where}: {problem}")
        elif step.kind == Kind.MOVE_STAGE and not step.stage_name.strip():
            problems.append(f"{where}: choose the stage.")
    return problems


# -------------------------------------------------------------------------------------------- publishing


@dataclass(frozen=True)
class EnrolledOnVersions:
    """Who is on which version: what the editor is told before publishing."""

    by_version: dict[int, int] = field(default_factory=dict)  # version number -> open enrolments

    @property
    def total(self) -> int:
        return sum(self.by_version.values())

    def explanation(self, new_number: int) -> str:
        if not self.total:
            return (
                f"No lead is enrolled yet: version {new_number} applies to every lead enrolled from now on."
            )
        versions = ", ".join(
            f"{count} on version {number}" for number, count in sorted(self.by_version.items())
        )
        return (
            f"Version {new_number} applies to leads enrolled from now on. {self.total} lead"
            f"{'s are' if self.total != 1 else ' is'} already enrolled ({versions}) and continue their "
            f"current plan. Tick “apply to pending steps” to re-plan their next unsent step from version "
            f"{new_number}: steps already sent are never sent again, and steps you added before a lead's "
            "current point are skipped for that lead."
        )


def enrolled_on_versions(cadence: Cadence) -> EnrolledOnVersions:
    rows = (
        Enrolment.objects.filter(cadence=cadence, status__in=Enrolment.OPEN_STATUSES)
        .values("cadence_version__number")
        .annotate(count=Count("pk"))
    )
    return EnrolledOnVersions({row["cadence_version__number"]: row["count"] for row in rows})


@dataclass(frozen=True)
class PublishResult:
    version: CadenceVersion
    replanned: int = 0
    kept: int = 0  # stayed on their version (mid-step, or their place is gone from the new version)


def publish(cadence: Cadence, *, actor=None, apply_to_pending: bool = False, note: str = "") -> PublishResult:
    draft = cadence.versions.filter(published_at__isnull=True).first()
    if draft is None:
        raise EditRefused("There are no unpublished changes.")
    problems = version_problems(draft)
    if problems:
        raise EditRefused("Fix these first: " + " ".join(problems))
    with transaction.atomic():
        _publish_version(cadence, draft, actor, note=note)
        replanned = kept = 0
        if apply_to_pending:
            for enrolment_id in list(
                Enrolment.objects.filter(cadence=cadence, status__in=Enrolment.OPEN_STATUSES)
                .exclude(cadence_version=draft)
                .values_list("pk", flat=True)
            ):
                if _replan(enrolment_id, draft, actor):
                    replanned += 1
                else:
                    kept += 1
    return PublishResult(draft, replanned, kept)


def _publish_version(cadence: Cadence, version: CadenceVersion, actor, *, note: str = "") -> None:
    now = timezone.now()
    CadenceVersion.objects.filter(pk=version.pk).update(
        published_at=now, published_by=actor, change_note=note[:300]
    )
    version.published_at = now
    Cadence.objects.filter(pk=cadence.pk).update(current_version=version, updated_at=now)
    cadence.current_version = version


def _replan(enrolment_id: int, version: CadenceVersion, actor) -> bool:
    """Move one enrolment to ``version`` from its next unsent step on; False when it keeps its plan."""
    from firstcall.leads.models import TimelineEvent
    from firstcall.leads.timeline import record_event

    enrolment = (
        Enrolment.objects.select_for_update(of=("self",)).select_related("cadence").get(pk=enrolment_id)
    )
    if enrolment.status not in Enrolment.OPEN_STATUSES:
        return False
    runs = list(enrolment.step_runs.select_related("step").order_by("-pk"))
    if any(run.status == StepRun.Status.CLAIMED for run in runs):
        return False  # a worker is running its step right now; it keeps its version
    new_steps = {step.key: step for step in version.steps.all()}
    ordered = sorted(new_steps.values(), key=lambda step: step.position)
    ran = [
        run
        for run in runs
        if run.status in (StepRun.Status.DONE, StepRun.Status.SKIPPED, StepRun.Status.FAILED)
    ]
    waiting = next((run for run in runs if run.status in StepRun.WAITING_STATUSES), None)
    next_key = waiting.step.key if waiting else None
    if waiting is None and enrolment.status == Enrolment.Status.PAUSED and enrolment.current_step_id:
        next_key = (
            CadenceStep.objects.filter(pk=enrolment.current_step_id).values_list("key", flat=True).first()
        )
    # The plan restarts from the last step this lead ran, so the waits after it count from when it ran.
    start = (ran[0].finished_at if ran else None) or enrolment.enrolled_at
    if ran and ran[0].step.key in new_steps:
        position = new_steps[ran[0].step.key].position + 1
    elif next_key in new_steps:
        position = new_steps[next_key].position
        while position > 0 and ordered[position - 1].kind == Kind.WAIT:
            position -= 1  # the waits leading up to that step still apply
    elif not ran:
        position = 0
    else:
        return False  # its place in the plan no longer exists; it finishes its current version
    now = timezone.now()
    lead = services._load_lead(enrolment.lead_id)
    old_number = CadenceVersion.objects.filter(pk=enrolment.cadence_version_id).values_list(
        "number", flat=True
    )[0]
    if enrolment.status == Enrolment.Status.PAUSED:
        plan = [services.to_plan_step(step) for step in ordered]
        nxt = engine.plan_next(
            plan, position, start, services.lead_zone(lead), services.calendar_for(lead.organisation)
        )
        step = ordered[nxt.position] if nxt.position is not None else None
        Enrolment.objects.filter(pk=enrolment.pk).update(
            cadence_version=version, current_step=step, next_step_at=nxt.due_at
        )
    else:
        StepRun.objects.filter(enrolment=enrolment, status__in=StepRun.WAITING_STATUSES).update(
            status=StepRun.Status.CANCELLED, finished_at=now, notes=f"re-planned on version {version.number}"
        )
        Enrolment.objects.filter(pk=enrolment.pk).update(cadence_version=version)
        enrolment.cadence_version = version
        services._schedule_from(enrolment, position, start, lead)
        # A re-planned step whose time has passed runs now, not in the past.
        StepRun.objects.filter(enrolment=enrolment, status=StepRun.Status.PENDING, due_at__lt=now).update(
            due_at=now
        )
    record_event(
        Lead(pk=enrolment.lead_id),
        TimelineEvent.Kind.CADENCE,
        f"Cadence {enrolment.cadence.name}: pending steps re-planned from version {old_number} to "
        f"{version.number}",
        actor=actor,
        data={"enrolment_id": enrolment.pk, "from": old_number, "to": version.number},
    )
    return True


# ---------------------------------------------------------------------------------------------- templates


def advertising_problems(subject: str, body: str) -> list[str]:
    """Regulation Z advertising findings for a marketing text or email as written: a trigger term (a down
    payment amount or percentage, a number of payments or period of repayment, a payment amount, a finance
    charge) without the disclosures 12 CFR 1026.24(d)(2) requires, or a rate without the APR (1026.24(c)). The
    same lint runs again at send time on the rendered message (messaging.outbox). The NMLS IDs are checked at
    send, when the loan officer is known."""
    result = adlint.lint(f"{subject}\n{body}", check_nmls=False)
    return [f"{finding.detail} ({finding.citation})." for finding in result.findings]


def template_problems(channel: str, subject: str, body: str) -> list[str]:
    problems = templating.problems(f"{subject}\n{body}", MERGE_FIELDS)
    problems += advertising_problems(subject, body)
    if not body.strip():
        problems.insert(0, "The message is empty.")
    if channel == "email" and not subject.strip():
        problems.insert(0, "An email needs a subject.")
    return problems


def save_template(
    organisation,
    *,
    name: str,
    channel: str,
    language: str,
    subject: str,
    body: str,
    actor=None,
    template: MessageTemplate | None = None,
) -> MessageTemplate:
    problems = template_problems(channel, subject, body)
    if problems:
        raise EditRefused(" ".join(problems))
    now = timezone.now()
    values = {
        "name": name.strip()[:120],
        "channel": channel,
        "language": (language or "en").lower()[:10],
        "subject": subject.strip()[:300],
        "body": body,
        "updated_by": actor,
        "updated_at": now,
    }
    clash = MessageTemplate.objects.filter(
        organisation=organisation, name=values["name"], channel=channel, language=values["language"]
    ).exclude(pk=getattr(template, "pk", None))
    if clash.exists():
        raise EditRefused("A template with this name, channel and language exists; edit that one instead.")
    try:
        with transaction.atomic():
            if template is None:
                return MessageTemplate.objects.create(organisation=organisation, **values)
            for key, value in values.items():
                setattr(template, key, value)
            template.save()
            return template
    except IntegrityError as error:  # saved by someone else at the same moment
        raise EditRefused("A template with this name, channel and language exists.") from error


# -------------------------------------------------------------------------------------------- the library


def ensure_builtin_cadences(organisation, *, activate: bool = False) -> list[Cadence]:
    """Seed the built-in library (library.py) for an organisation: its templates and cadences, each as
    published version 1. Idempotent: what exists (possibly edited) is left alone."""
    with transaction.atomic():
        templates = {}
        for name, spec in library.TEMPLATES.items():
            for language, (subject, body) in spec["variants"].items():
                template, _ = MessageTemplate.objects.get_or_create(
                    organisation=organisation,
                    name=name,
                    channel=spec["channel"],
                    language=language,
                    defaults={"subject": subject, "body": body, "is_builtin": True, "builtin_key": name[:80]},
                )
                if language == "en":
                    templates[name] = template
        seeded = []
        for spec in library.CADENCES:
            existing = Cadence.objects.filter(
                organisation=organisation, is_builtin=True, builtin_key=spec["key"]
            )
            if existing.exists():
                seeded.append(existing.get())
                continue
            cadence = Cadence.objects.create(
                organisation=organisation,
                is_builtin=True,
                builtin_key=spec["key"],
                is_active=activate,
                **{name: spec[name] for name in SETTINGS_FIELDS if name in spec},
            )
            if "stop_on_stages" not in spec and spec.get("stop_when_closed", True):
                cadence.stop_on_stages = library.APPLICATION_ONWARD
                cadence.save(update_fields=["stop_on_stages"])
            version = CadenceVersion.objects.create(cadence=cadence, number=1)
            CadenceStep.objects.bulk_create(
                _library_step(version, position, step, templates)
                for position, step in enumerate(spec["steps"])
            )
            _publish_version(cadence, version, None, note="built-in library")
            seeded.append(cadence)
    return seeded


def _library_step(version, position, spec, templates) -> CadenceStep:
    values = {key: value for key, value in spec.items() if key not in ("template", "key", "at_local_time")}
    at = spec.get("at_local_time")
    return CadenceStep(
        version=version,
        position=position,
        key=spec.get("key") or f"s{position}",
        template=templates[spec["template"]] if spec.get("template") else None,
        at_local_time=time.fromisoformat(at) if at else None,
        **values,
    )


# Follow-up on from the first minute: the built-in capture cadence of each pipeline (purchase: FHA and every other
# loan type; refinance, whose cadence also covers home equity and HELOC leads) starts turned on for a new
# organisation. They are written to the compliance rules (library.py: company named, STOP in every text, quiet
# hours and opt-outs enforced by the outbox, CAN-SPAM footer on emails).
DEFAULT_ON = ("new_purchase_fha", "new_purchase_conventional", "refinance")


def start_default_cadences(organisation) -> list[Cadence]:
    """Seed the library and turn on the default cadence of each pipeline, for an organisation that has none
    yet. Cadences that already exist (and may have been turned off on purpose) are left as they are."""
    existing = set(
        Cadence.objects.filter(organisation=organisation, is_builtin=True).values_list(
            "builtin_key", flat=True
        )
    )
    seeded = ensure_builtin_cadences(organisation)
    fresh = [
        cadence
        for cadence in seeded
        if cadence.builtin_key in DEFAULT_ON and cadence.builtin_key not in existing
    ]
    for cadence in fresh:
        set_active(cadence, True)
    return fresh
