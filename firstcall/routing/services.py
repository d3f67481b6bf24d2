"""Applies routing decisions: score, assign (or offer), alert, and start the SLA clock. The decisions themselves
are pure (routing/engine.py, routing/sla.py); this module only loads facts, locks, writes and logs."""

import logging
from dataclasses import asdict
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from firstcall.accounts.models import Organisation, User
from firstcall.accounts.notifications import lead_url, notify
from firstcall.events.outbox import emit
from firstcall.leads.models import Lead, Stage, TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.routing import engine, sla
from firstcall.routing.models import LeadOffer, RoutingDecisionLog, RoutingRule, RoutingState

logger = logging.getLogger(__name__)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# The hours the response clock runs by until an organisation sets its own (shown as such in the settings).
DEFAULT_BUSINESS_HOURS = {day: ["09:00", "18:00"] for day in WEEKDAYS[:5]}


class RoutingError(Exception):
    pass


# ---------------------------------------------------------------------------------------------- facts in


def business_hours_for(organisation: Organisation) -> sla.BusinessHours:
    weekly = {}
    for index, day in enumerate(WEEKDAYS):
        window = (organisation.business_hours or {}).get(day)
        if window:
            weekly[index] = (window[0], window[1])
    if not organisation.business_hours:
        weekly = {WEEKDAYS.index(day): tuple(window) for day, window in DEFAULT_BUSINESS_HOURS.items()}
    return sla.BusinessHours(
        tz=organisation.time_zone,
        weekly=weekly,
        holiday_country=organisation.holiday_country or None,
        holiday_subdivision=organisation.holiday_subdivision or None,
    )


def _working_hours(user: User) -> dict | None:
    if not user.working_hours:
        return None
    return {
        index: (window[0], window[1])
        for index, day in enumerate(WEEKDAYS)
        if (window := user.working_hours.get(day))
    }


def candidates_for(
    organisation: Organisation, now: datetime, *, rules: list[engine.Rule] | None = None
) -> list[engine.Candidate]:
    """Every loan officer who takes leads, as the routing engine sees them (see _officers_and_candidates)."""
    return _officers_and_candidates(organisation, now, rules=rules)[1]


def _officers_and_candidates(
    organisation: Organisation, now: datetime, *, rules: list[engine.Rule] | None = None
) -> tuple[dict[int, User], list[engine.Candidate]]:
    """Every loan officer who takes leads, with today's assignments and open leads counted in grouped queries.

    Open leads are counted only when something will read them: a least-busy rule or an officer with a
    capacity (or when `rules` is not given, e.g. for previews). That count grows with each officer's book of
    open leads, the other lookups do not, so capture stays as fast with a million leads as with a thousand
    under the usual round-robin rules."""
    day_start = now - timedelta(hours=24)
    officers = list(
        User.objects.filter(organisation=organisation, role=User.Role.LOAN_OFFICER, is_active=True).order_by(
            "pk"
        )
    )
    needs_open_counts = (
        rules is None
        or any("least_busy" in (rule.strategy, rule.base_strategy) for rule in rules)
        or any(officer.open_lead_capacity for officer in officers)
    )
    open_counts = {}
    if needs_open_counts:
        # Grouped, indexed counts (owner+stage, owner+assigned_at) rather than a join over every lead owned.
        open_stage_ids = Stage.objects.filter(pipeline__organisation=organisation, outcome=Stage.Outcome.OPEN)
        open_counts = dict(
            Lead.objects.filter(owner__in=officers, stage__in=open_stage_ids)
            .values("owner").annotate(total=Count("id")).values_list("owner", "total")
        )  # fmt: skip
    recent_counts = dict(
        Lead.objects.filter(owner__in=officers, assigned_at__gte=day_start)
        .values("owner").annotate(total=Count("id")).values_list("owner", "total")
    )  # fmt: skip
    for officer in officers:
        officer.organisation = organisation  # the same row: an alert to the officer reads it from here
        officer.open_count = open_counts.get(officer.pk, 0)
        officer.recent_count = recent_counts.get(officer.pk, 0)
    candidates = []
    for officer in officers:
        # "Today" in the officer's own zone: recount only when the rolling window could overstate it.
        assigned_today = officer.recent_count
        if officer.daily_lead_cap and assigned_today:
            local_midnight = datetime.combine(
                now.astimezone(_zone(officer.time_zone)).date(), time(0), tzinfo=_zone(officer.time_zone)
            )
            assigned_today = Lead.objects.filter(owner=officer, assigned_at__gte=local_midnight).count()
        candidates.append(
            engine.Candidate(
                user_id=officer.pk,
                name=str(officer),
                licensed_states=frozenset(state.upper() for state in officer.licensed_states or []),
                loan_types=frozenset(officer.loan_types or []),
                languages=frozenset(officer.languages or ["en"]),
                working_hours=_working_hours(officer),
                timezone=officer.time_zone or "UTC",
                out_of_office=officer.is_out_of_office,
                daily_cap=officer.daily_lead_cap,
                assigned_today=assigned_today,
                open_leads=officer.open_count,
                capacity=officer.open_lead_capacity,
                weight=officer.routing_weight,
                active=officer.accepts_leads,
            )
        )
    return {officer.pk: officer for officer in officers}, candidates


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name or "UTC")


def rules_for(organisation: Organisation, *, drafts: bool = False) -> list[engine.Rule]:
    rules = RoutingRule.objects.filter(
        organisation=organisation, is_active=True, is_draft=drafts
    ).prefetch_related("candidates", "fallback_users")
    return [
        engine.Rule(
            name=rule.name,
            order=rule.position,
            strategy=rule.strategy,
            base_strategy=rule.base_strategy,
            source_ids=frozenset(rule.source_ids or []),
            loan_types=frozenset(rule.loan_types or []),
            states=frozenset(rule.states or []),
            score_tiers=frozenset(rule.score_tiers or []),
            purposes=frozenset(rule.purposes or []),
            candidate_user_ids=tuple(sorted(user.pk for user in rule.candidates.all())),
            fallback_user_ids=tuple(sorted(user.pk for user in rule.fallback_users.all())),
            assign_outside_working_hours=rule.assign_outside_working_hours,
            fall_through=rule.fall_through,
            cascade_offer_minutes=rule.cascade_offer_minutes,
            language_match=rule.language_match,
        )
        for rule in rules
    ]


def lead_facts(lead: Lead) -> engine.LeadFacts:
    return lead_facts_for([lead])[lead.pk]


def lead_facts_for(leads: list[Lead]) -> dict[int, engine.LeadFacts]:
    """The engine's facts of each lead, keyed by lead id: the previous lead's owner (a returning borrower) and
    the referral partner's preferred loan officer are read for all of them in one query each, so replaying
    hundreds of leads costs the same few queries as one."""
    previous_ids = {lead.previous_lead_id for lead in leads if lead.previous_lead_id}
    previous_owners = (
        dict(Lead.objects.filter(pk__in=previous_ids).values_list("pk", "owner_id")) if previous_ids else {}
    )
    partner_ids = {lead.referral_partner_id for lead in leads if lead.referral_partner_id}
    preferred = (
        dict(User.objects.filter(pk__in=partner_ids).values_list("pk", "preferred_loan_officer_id"))
        if partner_ids
        else {}
    )
    return {
        lead.pk: engine.LeadFacts(
            state=lead.state or None,
            loan_type=lead.loan_type or None,
            language=lead.preferred_language or None,
            source_id=lead.source_id,
            score_tier=lead.score_tier or None,
            previous_owner_id=previous_owners.get(lead.previous_lead_id) or lead.owner_id,
            referral_partner_preferred_user_id=preferred.get(lead.referral_partner_id),
            purpose=lead.purpose or None,
        )
        for lead in leads
    }


def _state_from_row(row: RoutingState) -> engine.RoutingState:
    # JSON keys are strings; user ids are ints.
    return engine.RoutingState(
        cursors={name: int(user_id) for name, user_id in row.cursors.items() if user_id is not None},
        assigned_counts={
            name: {int(user_id): count for user_id, count in per_user.items()}
            for name, per_user in row.assigned_counts.items()
        },
    )


# ------------------------------------------------------------------------------------------- routing


def preview_route(lead: Lead, *, drafts: bool = False, now: datetime | None = None) -> engine.RoutingDecision:
    """Who would get this lead now? A dry run: nothing is written and no cursor moves."""
    now = now or timezone.now()
    row = RoutingState.objects.filter(organisation=lead.organisation).first()
    state = _state_from_row(row) if row else engine.RoutingState()
    return engine.decide_route(
        lead_facts(lead),
        rules_for(lead.organisation, drafts=drafts),
        candidates_for(lead.organisation, now),
        state,
        now,
    )


# No savepoint of its own inside a caller's transaction (capture's): nobody recovers from a failed routing and
# goes on, and the officer's alerts then join the first touch in one delivery task (first touch first).
@transaction.atomic(savepoint=False)
def route_lead(lead: Lead, *, trigger: str = "capture", now: datetime | None = None,
               exclude_user_ids: frozenset = frozenset()) -> engine.RoutingDecision:  # fmt: skip
    """Decide and apply. The organisation's routing state row is locked, so concurrent captures take turns
    (round-robin stays fair on PostgreSQL; SQLite serialises writers anyway)."""
    now = now or timezone.now()
    organisation = lead.organisation
    row = RoutingState.objects.select_for_update().filter(organisation=organisation).first()
    if row is None:  # the organisation's first routed lead
        RoutingState.objects.get_or_create(organisation=organisation)
        row = RoutingState.objects.select_for_update().get(organisation=organisation)
    rules = rules_for(organisation)
    officers, candidates = _officers_and_candidates(organisation, now, rules=rules)
    candidates = [c for c in candidates if c.user_id not in exclude_user_ids]
    decision = engine.decide_route(lead_facts(lead), rules, candidates, _state_from_row(row), now)
    row.cursors = {name: user_id for name, user_id in decision.next_state.cursors.items()}
    row.assigned_counts = {
        name: {str(user_id): count for user_id, count in per_user.items()}
        for name, per_user in decision.next_state.assigned_counts.items()
    }
    row.updated_at = now
    row.save()
    RoutingDecisionLog.objects.create(
        organisation=organisation,
        lead=lead,
        decided_at=now,
        trigger=trigger,
        rule_name=decision.rule_name or "",
        strategy=decision.strategy,
        chosen_user_id=decision.chosen_user_id,
        reason=decision.reason,
        candidates=[asdict(verdict) for verdict in decision.candidates],
        rules_considered=decision.rules_considered,
    )
    _apply_decision(lead, decision, now, trigger, officers)
    return decision


def _apply_decision(lead: Lead, decision: engine.RoutingDecision, now: datetime, trigger: str,
                    officers: dict[int, User]) -> None:  # fmt: skip
    outcome = decision.outcome
    if outcome == "assigned":
        chosen = officers.get(decision.chosen_user_id) or User.objects.get(pk=decision.chosen_user_id)
        assign_lead(lead, chosen, reason=decision.reason, now=now,
                    via=f"{decision.strategy} ({decision.rule_name})")  # fmt: skip
    elif outcome == "claim":
        LeadOffer.objects.filter(lead=lead, status=LeadOffer.Status.OPEN).update(
            status=LeadOffer.Status.WITHDRAWN, decided_at=now
        )
        offers = LeadOffer.objects.bulk_create(
            LeadOffer(lead=lead, user_id=user_id, kind=LeadOffer.Kind.CLAIM, offered_at=now)
            for user_id in decision.claim_group_user_ids
        )
        record_event(lead, TimelineEvent.Kind.ASSIGNED,
                     f"Offered to {len(offers)} loan officers; first to claim wins", data={"trigger": trigger})  # fmt: skip
        for offer in LeadOffer.objects.filter(pk__in=[o.pk for o in offers]).select_related("user"):
            notify(offer.user, kind="claim", title=f"New lead to claim: {lead.first_name} ({lead.state})",
                   body=_lead_blurb(lead), lead=lead, url=lead_url(lead), by_sms=True)  # fmt: skip
    elif outcome == "cascade":
        LeadOffer.objects.filter(lead=lead, status=LeadOffer.Status.OPEN).update(
            status=LeadOffer.Status.WITHDRAWN, decided_at=now
        )
        minutes = decision.cascade_offer_minutes or 5
        LeadOffer.objects.bulk_create(
            LeadOffer(
                lead=lead,
                user_id=user_id,
                kind=LeadOffer.Kind.CASCADE,
                position=index,
                status=LeadOffer.Status.OPEN if index == 0 else "queued",
                offered_at=now if index == 0 else None,
                expires_at=now + timedelta(minutes=minutes) if index == 0 else None,
            )  # fmt: skip
            for index, user_id in enumerate(decision.cascade_order)
        )
        first = LeadOffer.objects.select_related("user").get(lead=lead, kind=LeadOffer.Kind.CASCADE, position=0,
                                                             status=LeadOffer.Status.OPEN)  # fmt: skip
        record_event(lead, TimelineEvent.Kind.ASSIGNED, f"Offered to {first.user} for {minutes} minutes")
        notify(first.user, kind="offer", title=f"Lead offered to you for {minutes} min: {lead.first_name}",
               body=_lead_blurb(lead), lead=lead, url=lead_url(lead), by_sms=True)  # fmt: skip
    else:
        record_event(lead, TimelineEvent.Kind.ASSIGNED, "No eligible loan officer: lead waits in the unassigned queue",
                     data={"reason": decision.reason})  # fmt: skip
        for manager in User.objects.filter(organisation=lead.organisation, role__in=[User.Role.MANAGER,
                                                                                      User.Role.ADMIN], is_active=True):  # fmt: skip
            notify(manager, kind="unassigned", title=f"Unassigned lead: {lead.first_name} ({lead.state})",
                   body=decision.reason[:500], lead=lead, url=lead_url(lead))  # fmt: skip


def _lead_blurb(lead: Lead) -> str:
    parts = [lead.get_purpose_display() if lead.purpose else "", lead.get_loan_type_display(), lead.state]
    if lead.score_tier:
        parts.append(f"{lead.score_tier} lead")
    return " · ".join(part for part in parts if part)


def assign_lead(lead: Lead, user: User, *, reason: str, now: datetime | None = None, actor: User | None = None,
                via: str = "", alert: bool = True, how: str = "routing") -> None:  # fmt: skip
    now = now or timezone.now()
    previous_owner = lead.owner
    Lead.objects.filter(pk=lead.pk).update(owner=user, assigned_at=now, updated_at=now)
    lead.owner, lead.assigned_at = user, now
    verb = "Reassigned" if previous_owner and previous_owner != user else "Assigned"
    record_event(lead, TimelineEvent.Kind.ASSIGNED, f"{verb} to {user}" + (f" by {via}" if via else ""),
                 actor=actor, data={"reason": reason, "previous_owner_id": getattr(previous_owner, "pk", None)})  # fmt: skip
    emit("lead.assigned", organisation_id=lead.organisation_id, lead_id=lead.pk, assigned_to_id=user.pk,
         previous_assignee_id=getattr(previous_owner, "pk", None), how=how)  # fmt: skip
    if alert:
        notify(user, kind="new_lead", title=f"New lead: {lead.full_name}", body=_lead_blurb(lead), lead=lead,
               url=lead_url(lead), by_sms=True, by_email=bool(user.email))  # fmt: skip


@transaction.atomic
def reassign_lead(lead: Lead, new_owner: User, *, actor: User, reason: str = "") -> None:
    if new_owner.organisation_id != lead.organisation_id or new_owner.role != User.Role.LOAN_OFFICER:
        raise RoutingError("Leads can only go to loan officers of the same organisation.")
    LeadOffer.objects.filter(lead=lead, status__in=[LeadOffer.Status.OPEN, "queued"]).update(
        status=LeadOffer.Status.WITHDRAWN, decided_at=timezone.now()
    )
    assign_lead(lead, new_owner, reason=reason or "manual reassignment", actor=actor, via=f"{actor}",
                how="reassigned")  # fmt: skip


@transaction.atomic
def claim_lead(lead: Lead, user: User, *, now: datetime | None = None) -> bool:
    """First to claim wins: a conditional update that only one transaction can make."""
    now = now or timezone.now()
    offer = LeadOffer.objects.filter(lead=lead, user=user, status=LeadOffer.Status.OPEN).first()
    if offer is None:
        return False
    if offer.kind == LeadOffer.Kind.HANDOVER:
        return _accept_handover(lead, offer, user, now)
    won = Lead.objects.filter(pk=lead.pk, owner__isnull=True).update(
        owner=user, assigned_at=now, updated_at=now
    )
    if not won:
        LeadOffer.objects.filter(pk=offer.pk, status=LeadOffer.Status.OPEN).update(
            status=LeadOffer.Status.WITHDRAWN, decided_at=now
        )
        return False
    LeadOffer.objects.filter(pk=offer.pk).update(status=LeadOffer.Status.ACCEPTED, decided_at=now)
    LeadOffer.objects.filter(lead=lead, status__in=[LeadOffer.Status.OPEN, "queued"]).exclude(
        pk=offer.pk
    ).update(status=LeadOffer.Status.WITHDRAWN, decided_at=now)
    lead.owner, lead.assigned_at = user, now
    record_event(lead, TimelineEvent.Kind.ASSIGNED, f"Claimed by {user}", actor=user,
                 data={"offer_kind": offer.kind})  # fmt: skip
    emit("lead.assigned", organisation_id=lead.organisation_id, lead_id=lead.pk, assigned_to_id=user.pk,
         previous_assignee_id=None, how="claim")  # fmt: skip
    return True


def handover_targets(lead: Lead, now: datetime) -> list[int]:
    """Who should be offered a lead its owner has not answered in time: the people routing would choose with
    the owner left out (a claim group or a cascade offers to each of them), eligible by licence and hours."""
    rules = rules_for(lead.organisation)
    candidates = [
        c for c in candidates_for(lead.organisation, now, rules=rules) if c.user_id != lead.owner_id
    ]
    row = RoutingState.objects.filter(organisation=lead.organisation).first()
    state = _state_from_row(row) if row else engine.RoutingState()
    decision = engine.decide_route(lead_facts(lead), rules, candidates, state, now)
    if decision.chosen_user_id is not None:
        return [decision.chosen_user_id]
    return list(dict.fromkeys([*decision.claim_group_user_ids, *decision.cascade_order]))


@transaction.atomic
def offer_handover(lead: Lead, *, now: datetime | None = None) -> list[int]:
    """The owner missed the response time: offer the lead to the next eligible loan officers. The owner keeps
    it (and may still call) until one of them accepts; when nobody licensed is eligible, the managers are told
    and the lead stays where it is. Returns the ids offered to."""
    now = now or timezone.now()
    owner = lead.owner
    targets = handover_targets(lead, now)
    LeadOffer.objects.filter(lead=lead, kind=LeadOffer.Kind.HANDOVER, status=LeadOffer.Status.OPEN).update(
        status=LeadOffer.Status.WITHDRAWN, decided_at=now
    )
    managers = _managers_of(lead)
    if not targets:
        record_event(lead, TimelineEvent.Kind.SLA,
                     f"Response time missed: no other licensed loan officer is available, so {owner} keeps the lead")  # fmt: skip
        for manager in managers:
            notify(manager, kind="handover_none", title=f"Nobody else can take {lead.full_name}",
                   body=f"{owner} missed the response time and no other licensed loan officer is available "
                        f"for {lead.state or 'this state'}. The lead stays with {owner}.",
                   lead=lead, url=lead_url(lead), by_email=True)  # fmt: skip
        return []
    LeadOffer.objects.bulk_create(
        LeadOffer(lead=lead, user_id=user_id, kind=LeadOffer.Kind.HANDOVER, offered_at=now, from_user=owner)
        for user_id in targets
    )
    people = list(User.objects.filter(pk__in=targets).order_by("pk"))
    names = ", ".join(str(person) for person in people)
    record_event(lead, TimelineEvent.Kind.SLA,
                 f"Response time missed: offered to {names}; {owner} keeps the lead until someone accepts")  # fmt: skip
    for person in people:
        notify(person, kind="offer", title=f"Can you take {lead.first_name} now? ({lead.state})",
               body=f"{owner} has not reached them in time. " + _lead_blurb(lead), lead=lead,
               url=lead_url(lead), by_sms=True)  # fmt: skip
    for manager in managers:
        notify(manager, kind="sla", title=f"Response time missed: {lead.full_name}",
               body=f"Offered to {names}; {owner} keeps it until someone accepts.", lead=lead, url=lead_url(lead))  # fmt: skip
    return targets


def _managers_of(lead: Lead):
    managers = User.objects.filter(organisation=lead.organisation, is_active=True, role=User.Role.MANAGER)
    if lead.owner_id:
        team_managers = managers.filter(managed_teams__members=lead.owner_id).distinct()
        if team_managers.exists():
            return team_managers
    return managers


def _accept_handover(lead: Lead, offer: LeadOffer, user: User, now: datetime) -> bool:
    """The first to accept takes the lead over; the lead row is locked so two acceptances take turns."""
    locked = (
        Lead.objects.select_for_update(of=("self",)).select_related("owner", "organisation").get(pk=lead.pk)
    )
    if not LeadOffer.objects.filter(pk=offer.pk, status=LeadOffer.Status.OPEN).update(
        status=LeadOffer.Status.ACCEPTED, decided_at=now
    ):
        return False
    LeadOffer.objects.filter(lead=lead, status__in=[LeadOffer.Status.OPEN, "queued"]).exclude(
        pk=offer.pk
    ).update(status=LeadOffer.Status.WITHDRAWN, decided_at=now)
    previous = locked.owner
    assign_lead(locked, user, reason="accepted after the response time was missed", now=now, actor=user,
                via="accepting the handover", alert=False, how="handover")  # fmt: skip
    lead.owner, lead.assigned_at = user, now
    if previous and previous != user:
        notify(previous, kind="handover_done", title=f"{user} took over {lead.full_name}",
               body="You missed the response time; they accepted the lead.", lead=lead, url=lead_url(lead))  # fmt: skip
    return True


def sweep_expired_offers(now: datetime | None = None) -> int:
    """Cascade offers past their time go to the next loan officer; when the list runs out, the lead goes to
    a claim broadcast to everyone eligible. Each expiry is claimed with a conditional update."""
    now = now or timezone.now()
    handled = 0
    for offer_id in LeadOffer.objects.filter(status=LeadOffer.Status.OPEN, kind=LeadOffer.Kind.CASCADE,
                                             expires_at__lte=now).values_list("pk", flat=True)[:200]:  # fmt: skip
        with transaction.atomic():
            if not LeadOffer.objects.filter(pk=offer_id, status=LeadOffer.Status.OPEN).update(
                status=LeadOffer.Status.EXPIRED, decided_at=now
            ):
                continue
            offer = LeadOffer.objects.select_related("lead", "lead__organisation", "user").get(pk=offer_id)
            lead = offer.lead
            handled += 1
            record_event(lead, TimelineEvent.Kind.ASSIGNED, f"Offer to {offer.user} expired")
            if lead.owner_id:
                continue
            following = (
                LeadOffer.objects.filter(lead=lead, kind=LeadOffer.Kind.CASCADE, status="queued")
                .order_by("position")
                .select_related("user")
                .first()
            )
            if following:
                minutes = max(1, int((offer.expires_at - offer.offered_at).total_seconds() // 60))
                LeadOffer.objects.filter(pk=following.pk).update(
                    status=LeadOffer.Status.OPEN, offered_at=now, expires_at=now + timedelta(minutes=minutes)
                )
                record_event(
                    lead, TimelineEvent.Kind.ASSIGNED, f"Offered to {following.user} for {minutes} minutes"
                )
                notify(following.user, kind="offer", title=f"Lead offered to you for {minutes} min: {lead.first_name}",
                       body=_lead_blurb(lead), lead=lead, url=lead_url(lead), by_sms=True)  # fmt: skip
            else:
                _broadcast_claim(lead, now, reason="cascade exhausted")
    return handled


def _broadcast_claim(lead: Lead, now: datetime, *, reason: str) -> None:
    eligible = [
        candidate.user_id
        for candidate in candidates_for(lead.organisation, now)
        if candidate.active and not candidate.out_of_office
        and (not lead.state or not candidate.licensed_states or lead.state in candidate.licensed_states)
    ]  # fmt: skip
    LeadOffer.objects.bulk_create(
        LeadOffer(lead=lead, user_id=user_id, kind=LeadOffer.Kind.CLAIM, offered_at=now)
        for user_id in eligible
    )
    record_event(
        lead, TimelineEvent.Kind.ASSIGNED, f"Into the claim pool ({reason}): {len(eligible)} loan officers"
    )
    for user in User.objects.filter(pk__in=eligible):
        notify(user, kind="claim", title=f"Lead to claim: {lead.first_name} ({lead.state})", body=_lead_blurb(lead),
               lead=lead, url=lead_url(lead), by_sms=True)  # fmt: skip


# ---------------------------------------------------------------------------------------------- SLA


def start_sla_clock(lead: Lead, now: datetime | None = None) -> None:
    received = lead.created_at or now or timezone.now()
    deadline = sla.respond_by(received, lead.organisation.sla_minutes, business_hours_for(lead.organisation))
    Lead.objects.filter(pk=lead.pk).update(respond_by=deadline, sla_status="pending")
    lead.respond_by, lead.sla_status = deadline, "pending"


def record_human_contact(
    lead: Lead, *, at: datetime | None = None, actor: User | None = None, how: str
) -> bool:
    """A person reached the borrower (a connected call, a manual message, an answered reply): the SLA clock
    stops. Automatic messages never call this. Returns True the first time."""
    at = at or timezone.now()
    updated = Lead.objects.filter(pk=lead.pk, first_human_contact_at__isnull=True).update(
        first_human_contact_at=at,
        sla_status=_sla_outcome(lead, at),
    )
    if not updated:
        return False
    lead.refresh_from_db(fields=["first_human_contact_at", "sla_status"])
    record_event(lead, TimelineEvent.Kind.SLA, f"First human contact ({how}); SLA {lead.sla_status}", actor=actor,
                 data={"respond_by": lead.respond_by.isoformat() if lead.respond_by else None})  # fmt: skip
    LeadOffer.objects.filter(lead=lead, status__in=[LeadOffer.Status.OPEN, "queued"]).update(
        status=LeadOffer.Status.WITHDRAWN, decided_at=at
    )
    return True


def _sla_outcome(lead: Lead, at: datetime) -> str:
    if lead.sla_status == "breached" or (lead.respond_by and at > lead.respond_by):
        return "breached"
    return "met"


DEFAULT_LADDER = [
    {"after_minutes": 0, "action": "realert"},
    {"after_minutes": 10, "action": "reassign"},
    {"after_minutes": 20, "action": "notify_manager"},
]


def sweep_sla_breaches(now: datetime | None = None) -> int:
    """Walk the breach ladder for every lead past respond_by without a person's contact. Each step is claimed
    with a conditional update on sla_escalation_step, so two workers never apply the same step."""
    now = now or timezone.now()
    handled = 0
    overdue = Lead.objects.filter(
        first_human_contact_at__isnull=True, respond_by__lte=now, sla_status__in=["pending", "breached"],
        stage__outcome=Stage.Outcome.OPEN,
    ).select_related("organisation", "owner")[:500]  # fmt: skip
    for lead in overdue:
        ladder = lead.organisation.sla_escalation or DEFAULT_LADDER
        step_index = lead.sla_escalation_step
        if step_index >= len(ladder):
            continue
        step = ladder[step_index]
        if now < lead.respond_by + timedelta(minutes=int(step.get("after_minutes", 0))):
            continue
        with transaction.atomic():
            claimed = Lead.objects.filter(
                pk=lead.pk, sla_escalation_step=step_index, first_human_contact_at__isnull=True
            ).update(  # fmt: skip
                sla_escalation_step=step_index + 1,
                sla_status="breached",
                sla_breached_at=lead.sla_breached_at or now,
            )
            if not claimed:
                continue
            handled += 1
            _escalate(lead, step.get("action", "realert"), now)
    return handled


def _escalate(lead: Lead, action: str, now: datetime) -> None:
    owner = lead.owner
    if action == "realert" and owner:
        record_event(lead, TimelineEvent.Kind.SLA, f"SLA breached: {owner} re-alerted")
        notify(owner, kind="sla", title=f"Overdue: {lead.full_name} is waiting for you", body=_lead_blurb(lead),
               lead=lead, url=lead_url(lead), by_sms=True)  # fmt: skip
    elif action == "reassign":
        if owner is None:
            # Nobody holds it yet: routing places it (or tells the managers nobody is eligible).
            decision = route_lead(lead, trigger="sla breach", now=now)
            record_event(
                lead, TimelineEvent.Kind.SLA, f"Response time missed: routed again ({decision.outcome})"
            )
        else:
            offer_handover(lead, now=now)
    elif action == "notify_manager":
        managers = User.objects.filter(organisation=lead.organisation, is_active=True, role=User.Role.MANAGER)
        if lead.owner_id:
            team_managers = managers.filter(managed_teams__members=lead.owner_id).distinct()
            managers = team_managers if team_managers.exists() else managers
        names = []
        for manager in managers:
            names.append(str(manager))
            notify(manager, kind="sla", title=f"SLA breach: {lead.full_name} not contacted",
                   body=f"Owner: {lead.owner or 'unassigned'}", lead=lead, url=lead_url(lead), by_email=True)  # fmt: skip
        record_event(
            lead, TimelineEvent.Kind.SLA, "SLA breached: managers notified (" + ", ".join(names) + ")"
        )


def replay_recent(organisation: Organisation, *, limit: int = 50, now: datetime | None = None) -> dict:
    """How would the last N leads have been assigned under the draft rules, against their actual owners?"""
    now = now or timezone.now()
    leads = list(
        Lead.objects.filter(organisation=organisation)
        .select_related("source")
        .order_by("-created_at")[:limit]
    )
    facts = lead_facts_for(leads)
    replay_leads = [
        engine.ReplayLead(
            lead_id=lead.pk,
            facts=facts[lead.pk],
            received_utc=lead.created_at,
            actual_user_id=lead.owner_id,
        )  # fmt: skip
        for lead in leads
    ]
    draft_rules = rules_for(organisation, drafts=True) or rules_for(organisation)
    rows = engine.replay(replay_leads, draft_rules, candidates_for(organisation, now))
    names = dict(User.objects.filter(organisation=organisation).values_list("pk", "username"))
    totals = engine.replay_totals(rows)
    return {
        "rows": rows,
        "changed": sum(1 for row in rows if row.changed),
        "totals": sorted(
            ((names.get(user_id, "nobody"), before, after) for user_id, (before, after) in totals.items()),
            key=lambda item: item[0],
        ),
        "names": names,
    }
