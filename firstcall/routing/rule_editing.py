"""Editing the organisation's routing rules from the workspace: save, reorder, pause and resume, each written to
the audit log, and "test against past leads": the edited, unsaved rule set replayed over the organisation's
recent leads by the pure engine (routing/engine.py), compared with who actually got each lead. The preview
writes nothing: no rule, cursor, count or log row changes."""

from dataclasses import dataclass, replace
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from firstcall.accounts.models import Organisation, User
from firstcall.accounts.services import record_audit
from firstcall.leads.access import visible_leads
from firstcall.leads.models import Lead
from firstcall.routing import access, engine
from firstcall.routing.models import RoutingRule
from firstcall.routing.services import candidates_for, lead_facts_for

# The settings of a rule that the editor changes; the audit entry lists the ones that changed.
RULE_FIELDS = (
    "name",
    "team_id",
    "is_active",
    "strategy",
    "base_strategy",
    "source_ids",
    "loan_types",
    "states",
    "score_tiers",
    "purposes",
    "assign_outside_working_hours",
    "fall_through",
    "cascade_offer_minutes",
    "language_match",
)
PREVIEW_DEFAULT = 200
BUILTIN_DEFAULT = engine.BUILTIN_DEFAULT_RULE.name
PREVIEW_MAX = 500


def live_rules(organisation: Organisation):
    """The rules leads are routed by (drafts are kept for the older draft-and-replay page), in order."""
    return RoutingRule.objects.filter(organisation=organisation, is_draft=False).order_by(
        "position", "name", "pk"
    )


def _snapshot(rule: RoutingRule) -> dict:
    values = {name: getattr(rule, name) for name in RULE_FIELDS}
    if rule.pk:
        values["candidates"] = sorted(rule.candidates.values_list("pk", flat=True))
        values["fallback_users"] = sorted(rule.fallback_users.values_list("pk", flat=True))
    return values


def _renumber(organisation: Organisation, ordered: list[RoutingRule]) -> None:
    for index, rule in enumerate(ordered, start=1):
        if rule.position != index * 10:
            rule.position = index * 10
            RoutingRule.objects.filter(pk=rule.pk).update(position=rule.position)


@transaction.atomic
def save_rule(
    organisation: Organisation,
    rule: RoutingRule | None,
    values: dict,
    *,
    candidates,
    fallback_users,
    actor: User,
    ip_address: str | None = None,
) -> RoutingRule:
    """Create (at the end of the list) or update one live rule and audit what changed. The actor must be allowed
    to edit the rule as it was and as it will be (routing.access): a manager keeps to their teams' rules and
    their loan officers; PermissionDenied otherwise, before anything is written."""
    creating = rule is None
    if not creating and not access.can_edit_rule(actor, rule):
        raise PermissionDenied
    team = None
    if values.get("team_id"):
        team = organisation.teams.filter(pk=values["team_id"]).first()
        if team is None:
            raise PermissionDenied
    if actor.organisation_id != organisation.pk or access.rule_scope_problem(
        actor, team, list(candidates), list(fallback_users)
    ):
        raise PermissionDenied
    if creating:
        last = live_rules(organisation).last()
        rule = RoutingRule(organisation=organisation, position=(last.position + 10) if last else 10)
        before = {}
    else:
        rule = RoutingRule.objects.select_for_update().get(pk=rule.pk, organisation=organisation)
        before = _snapshot(rule)
    for name in RULE_FIELDS:
        if name in values:
            setattr(rule, name, values[name])
    rule.is_draft = False
    rule.save()
    rule.candidates.set(candidates)
    rule.fallback_users.set(fallback_users)
    after = _snapshot(rule)
    changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    if changes:
        record_audit(
            organisation,
            "routing.rule.created" if creating else "routing.rule.updated",
            actor=actor,
            ip_address=ip_address,
            detail={"rule_id": rule.pk, "name": rule.name, "changes": changes},
        )
    return rule


@transaction.atomic
def move_rule(rule: RoutingRule, direction: str, *, actor: User, ip_address: str | None = None) -> bool:
    """Swap a rule with its nearest neighbour ("up" or "down") that the actor may also edit, so a manager
    reorders their teams' rules among themselves and every other rule keeps its place; positions are
    renumbered 10, 20, 30... Returns False when there is no such neighbour."""
    if not access.can_edit_rule(actor, rule):
        raise PermissionDenied
    ordered = list(live_rules(rule.organisation).select_for_update())
    index = next(i for i, other in enumerate(ordered) if other.pk == rule.pk)
    target = neighbour_index(actor, ordered, index, direction)
    if target is None:
        return False
    before = [other.name for other in ordered]
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(rule.organisation, ordered)
    record_audit(
        rule.organisation,
        "routing.rule.moved",
        actor=actor,
        ip_address=ip_address,
        detail={"rule_id": rule.pk, "name": rule.name, "order": [before, [other.name for other in ordered]]},
    )
    return True


def neighbour_index(actor: User, ordered: list[RoutingRule], index: int, direction: str, *,
                    team_ids: set[int] | None = None) -> int | None:  # fmt: skip
    """Where the rule at `index` would move: the nearest rule above ("up") or below ("down") that the actor
    may edit, or None."""
    if direction not in ("up", "down"):
        return None
    if team_ids is None:
        team_ids = set(access.rule_teams(actor).values_list("pk", flat=True))
    step = -1 if direction == "up" else 1
    target = index + step
    while 0 <= target < len(ordered):
        if access.can_edit_rule(actor, ordered[target], team_ids=team_ids):
            return target
        target += step
    return None


@transaction.atomic
def set_rule_active(rule: RoutingRule, active: bool, *, actor: User, ip_address: str | None = None) -> bool:
    """Pause or resume a rule; a paused rule is skipped when leads are routed. Returns whether it changed."""
    if not access.can_edit_rule(actor, rule):
        raise PermissionDenied
    changed = RoutingRule.objects.filter(pk=rule.pk, is_active=not active).update(is_active=active)
    if changed:
        rule.is_active = active
        record_audit(
            rule.organisation,
            "routing.rule.resumed" if active else "routing.rule.paused",
            actor=actor,
            ip_address=ip_address,
            detail={"rule_id": rule.pk, "name": rule.name},
        )
    return bool(changed)


# ----------------------------------------------------------------------------------- test against past leads


def engine_rule(values: dict, *, position: int, candidate_ids, fallback_ids) -> engine.Rule:
    """The engine's view of a rule as it stands in the editor (saved or not)."""
    return engine.Rule(
        name=values["name"],
        order=position,
        strategy=values["strategy"],
        base_strategy=values.get("base_strategy") or "round_robin",
        source_ids=frozenset(values.get("source_ids") or []),
        loan_types=frozenset(values.get("loan_types") or []),
        states=frozenset(values.get("states") or []),
        score_tiers=frozenset(values.get("score_tiers") or []),
        purposes=frozenset(values.get("purposes") or []),
        candidate_user_ids=tuple(sorted(candidate_ids)),
        fallback_user_ids=tuple(sorted(fallback_ids)),
        assign_outside_working_hours=values.get("assign_outside_working_hours", True),
        fall_through=values.get("fall_through", True),
        cascade_offer_minutes=values.get("cascade_offer_minutes") or 5,
        language_match=values.get("language_match") or "soft",
    )


def edited_rule_set(organisation: Organisation, edited: engine.Rule | None, *, rule_id: int | None,
                    active: bool) -> list[engine.Rule]:  # fmt: skip
    """The live, active rules with the edited one in its place (a new rule goes last); a paused edit drops out."""
    rows = list(live_rules(organisation).prefetch_related("candidates", "fallback_users"))
    result = [
        engine_rule(
            {name: getattr(row, name) for name in RULE_FIELDS},
            position=row.position,
            candidate_ids=[user.pk for user in row.candidates.all()],
            fallback_ids=[user.pk for user in row.fallback_users.all()],
        )
        for row in rows
        if row.is_active and row.pk != rule_id
    ]
    if edited is not None and active:
        existing = next((row for row in rows if row.pk == rule_id), None)
        position = existing.position if existing else max((row.position for row in rows), default=0) + 10
        result.append(replace(edited, order=position))
    return sorted(result, key=lambda rule: rule.order)


@dataclass(frozen=True)
class PreviewRow:
    lead: Lead
    rule_name: str | None
    rule_label: str
    outcome: str
    would_get: str
    actually_got: str
    changed: bool


def preview_against_past_leads(
    organisation: Organisation, rules: list[engine.Rule], *, limit: int = PREVIEW_DEFAULT,
    now: datetime | None = None, viewer: User | None = None,
) -> dict:  # fmt: skip
    """Replay the last `limit` leads (oldest first) through `rules` and say, for each, which rule matches and
    who would get it, beside who actually has it. Reads only, in a fixed number of queries whatever `limit`
    (the leads, their facts in bulk, the officers, the names). Every lead is replayed, so round-robin turns
    come out as they would; a `viewer` is shown a row only for the leads they may see (leads.access) and
    the others only in the totals."""
    now = now or timezone.now()
    limit = max(1, min(int(limit), PREVIEW_MAX))
    leads = list(Lead.objects.filter(organisation=organisation).order_by("-created_at", "-pk")[:limit])
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
    rows = engine.replay(replay_leads, rules, candidates_for(organisation, now))
    names = {user.pk: str(user) for user in User.objects.filter(organisation=organisation)}
    by_id = {lead.pk: lead for lead in leads}
    shown_ids = set(by_id)
    if viewer is not None and not viewer.is_org_admin:
        shown_ids = set(visible_leads(viewer).filter(pk__in=list(by_id)).values_list("pk", flat=True))
    outcome_words = {
        "assigned": "assigned",
        "claim": "offered to a claim group",
        "cascade": "offered one by one",
        "unassigned": "nobody eligible",
    }
    preview_rows = []
    for row in rows:
        if row.lead_id not in shown_ids:
            continue
        decision = row.after
        if decision.chosen_user_id is not None:
            would_get = names.get(decision.chosen_user_id, "someone else")
        else:
            would_get = outcome_words[decision.outcome]
        preview_rows.append(
            PreviewRow(
                lead=by_id[row.lead_id],
                rule_name=decision.rule_name,
                rule_label=(
                    "No rule: every eligible loan officer in turn"
                    if decision.rule_name == BUILTIN_DEFAULT
                    else decision.rule_name or "None"
                ),
                outcome=decision.outcome,
                would_get=would_get,
                actually_got=names.get(row.before_user_id, "nobody") if row.before_user_id else "nobody",
                changed=row.changed,
            )
        )
    preview_rows.reverse()  # newest first, as the lead list shows them
    totals = engine.replay_totals(rows)
    return {
        "rows": preview_rows,
        "count": len(rows),
        "changed": sum(1 for row in rows if row.changed),
        "hidden": len(rows) - len(preview_rows),
        "totals": sorted(
            (
                (names.get(uid, "nobody") if uid else "nobody", before, after)
                for uid, (before, after) in totals.items()
            ),
            key=lambda item: item[0],
        ),
    }
