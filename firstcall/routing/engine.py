"""Routing decision: who gets a lead, and why. Pure Python (no Django), deterministic.

``decide_route(lead, rules, candidates, state, now_utc)`` walks the organisation's rules in ``order`` (then
name); the first rule whose conditions match and that finds an eligible loan officer wins. The service applies
the returned ``RoutingDecision`` (assign, broadcast a claim, or start an offer cascade) and stores
``decision.next_state`` (round-robin cursor and weighted counts) under a row lock.

Filters, applied for every strategy, each exclusion with a reason:
- inactive user; out of office;
- licence: must be licensed in the property state. An unknown state is not checked (noted on the verdict);
- loan type: ``Candidate.loan_types`` empty means "takes every loan type"; a lead with no loan type or
  ``not_sure`` is not filtered;
- language (``Rule.language_match``): ``hard`` excludes anyone who does not speak the lead's language;
  ``soft`` (the default) prefers speakers: non-speakers are excluded only while at least one otherwise
  eligible speaker exists, else the preference is waived and noted. Codes are ISO 639-1 (``es-MX`` counts
  as ``es``); a candidate with no languages listed speaks English;
- working hours in the candidate's own time zone: ``working_hours`` None means "always working"; a weekday
  missing from the mapping is a day off. Windows are [start, end), ``end == 00:00`` means midnight;
- daily cap (``assigned_today >= daily_cap``) and capacity (``open_leads >= capacity``), each when set;
- weighted only: a weight of 0 or less excludes.

Within a rule, when nobody in its pool is eligible: the rule's ``fallback_user_ids`` are tried with the same
filters; then, if ``assign_outside_working_hours`` is set, both pools again ignoring working hours only (so an
after-hours lead still gets an owner for the morning); then, if ``fall_through`` is set (default), the next
matching rule; finally a built-in ``default`` round-robin over every candidate (disable with
``use_builtin_default=False``, or end the rule list with a catch-all rule whose ``fall_through`` is False).

Strategies: ``round_robin`` (next eligible after the rule's cursor, in pool order), ``weighted`` (the eligible
candidate furthest below weight share of the rule's assigned counts; ties by pool order), ``least_busy``
(lowest open_leads/capacity; raw open_leads when any eligible candidate has no capacity), ``claim`` (no owner;
every eligible candidate is in ``claim_group_user_ids``), ``cascade`` (no owner yet; ``cascade_order`` starts
after the cursor, offered ``cascade_offer_minutes`` each, then the service's fallback), ``sticky`` and
``referral_preference`` (the previous owner / the referral partner's preferred officer when eligible, even
if outside the pool, else the rule's ``base_strategy``). The preferred officer is checked alone, so a soft
language preference and weights do not count against them (a hard language requirement does). Sticky and
referral picks move neither cursor nor counts.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from fractions import Fraction
from zoneinfo import ZoneInfo

STRATEGIES = ("round_robin", "weighted", "least_busy", "claim", "cascade", "sticky", "referral_preference")
BASE_STRATEGIES = ("round_robin", "weighted", "least_busy", "claim", "cascade")
LANGUAGE_MATCHES = ("soft", "hard")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NOT_SURE_LOAN_TYPES = (None, "", "not_sure")

UserId = Hashable


def _parse_time(value) -> time:
    if isinstance(value, time):
        return value
    return time.fromisoformat(value)


def _primary_language(code: str | None) -> str | None:
    if not code:
        return None
    return code.replace("_", "-").split("-")[0].strip().lower() or None


@dataclass(frozen=True)
class Candidate:
    """A loan officer who could receive the lead, with today's numbers."""

    user_id: UserId
    name: str = ""
    licensed_states: frozenset[str] = frozenset()
    loan_types: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset({"en"})
    # weekday (0 = Monday) -> (start, end) local wall time in ``timezone``. None = always working.
    working_hours: Mapping[int, tuple[time, time]] | None = None
    timezone: str = "UTC"
    out_of_office: bool = False
    daily_cap: int | None = None
    assigned_today: int = 0
    open_leads: int = 0
    capacity: int | None = None
    weight: int = 1
    active: bool = True

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "licensed_states", frozenset(s.upper() for s in self.licensed_states))
        set_(self, "loan_types", frozenset(t.lower() for t in self.loan_types))
        languages = frozenset(filter(None, (_primary_language(code) for code in self.languages)))
        set_(self, "languages", languages or frozenset({"en"}))
        ZoneInfo(self.timezone)  # fail early on a misspelt zone
        if self.working_hours is not None:
            hours = {}
            for weekday, (start, end) in self.working_hours.items():
                start, end = _parse_time(start), _parse_time(end)
                if not 0 <= int(weekday) <= 6:
                    raise ValueError(f"weekday {weekday} out of range 0-6")
                if end != time(0) and end <= start:
                    raise ValueError(f"working hours end {end} must be after start {start}")
                hours[int(weekday)] = (start, end)
            set_(self, "working_hours", hours)

    @property
    def label(self) -> str:
        return self.name or str(self.user_id)


@dataclass(frozen=True)
class LeadFacts:
    state: str | None = None
    loan_type: str | None = None
    language: str | None = None
    source_id: Hashable | None = None
    score_tier: str | None = None
    previous_owner_id: UserId | None = None
    referral_partner_preferred_user_id: UserId | None = None
    purpose: str | None = None

    def __post_init__(self):
        if self.state:
            object.__setattr__(self, "state", self.state.upper())


@dataclass(frozen=True)
class Rule:
    """One routing rule. Empty condition sets match anything."""

    name: str
    order: int = 0
    strategy: str = "round_robin"
    source_ids: frozenset = frozenset()
    loan_types: frozenset[str] = frozenset()
    states: frozenset[str] = frozenset()
    score_tiers: frozenset[str] = frozenset()
    purposes: frozenset[str] = frozenset()
    candidate_user_ids: tuple = ()  # empty = every candidate, in the order given to decide_route
    base_strategy: str = "round_robin"  # what sticky / referral_preference fall back to
    fallback_user_ids: tuple = ()
    assign_outside_working_hours: bool = False
    fall_through: bool = True
    cascade_offer_minutes: int = 5
    language_match: str = "soft"
    active: bool = True

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "source_ids", frozenset(self.source_ids))
        set_(self, "loan_types", frozenset(self.loan_types))
        set_(self, "states", frozenset(s.upper() for s in self.states))
        set_(self, "score_tiers", frozenset(self.score_tiers))
        set_(self, "purposes", frozenset(self.purposes))
        set_(self, "candidate_user_ids", tuple(self.candidate_user_ids))
        set_(self, "fallback_user_ids", tuple(self.fallback_user_ids))
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; expected one of {STRATEGIES}")
        if self.base_strategy not in BASE_STRATEGIES:
            raise ValueError(f"base_strategy must be one of {BASE_STRATEGIES}")
        if self.language_match not in LANGUAGE_MATCHES:
            raise ValueError(f"language_match must be one of {LANGUAGE_MATCHES}")
        if self.cascade_offer_minutes <= 0:
            raise ValueError("cascade_offer_minutes must be positive")

    def match(self, lead: LeadFacts) -> tuple[bool, str]:
        """(matches, why not). Conditions are ANDed; each set is "any of"."""
        checks = (
            ("source", self.source_ids, lead.source_id),
            ("loan type", self.loan_types, lead.loan_type),
            ("state", self.states, lead.state),
            ("score tier", self.score_tiers, lead.score_tier),
            ("purpose", self.purposes, lead.purpose),
        )
        for label, allowed, value in checks:
            if allowed and value not in allowed:
                return False, f"{label} {value!r} not in {sorted(allowed, key=str)}"
        return True, "conditions match"


# After hours the built-in default still names an owner, for the morning: a lead must never wait unowned.
BUILTIN_DEFAULT_RULE = Rule(
    name="default (built-in)", order=2**31, strategy="round_robin", assign_outside_working_hours=True
)


@dataclass(frozen=True)
class RoutingState:
    """Per-rule memory the service persists: last assigned user (round-robin / cascade cursor) and how many
    leads each user got from the rule (weighted split). The service chooses the counting period."""

    cursors: Mapping[str, UserId] = field(default_factory=dict)
    assigned_counts: Mapping[str, Mapping[UserId, int]] = field(default_factory=dict)

    @classmethod
    def from_json(
        cls, cursors: Mapping | None, assigned_counts: Mapping | None, user_id_type: type | None = None
    ) -> RoutingState:
        """Rebuild from JSON columns, where user-id keys came back as strings; ``user_id_type=int`` restores
        integer primary keys so they match ``Candidate.user_id``."""
        convert = user_id_type or (lambda value: value)
        return cls(
            cursors={rule: convert(uid) for rule, uid in (cursors or {}).items() if uid is not None},
            assigned_counts={
                rule: {convert(uid): int(count) for uid, count in per_user.items()}
                for rule, per_user in (assigned_counts or {}).items()
            },
        )

    def to_json(self) -> tuple[dict, dict]:
        """(cursors, assigned_counts) ready for JSON columns; user-id keys become strings."""
        counts = {
            rule: {str(uid): n for uid, n in per_user.items()}
            for rule, per_user in self.assigned_counts.items()
        }
        return dict(self.cursors), counts

    def cursor_for(self, rule_name: str) -> UserId | None:
        return self.cursors.get(rule_name)

    def counts_for(self, rule_name: str) -> Mapping[UserId, int]:
        return self.assigned_counts.get(rule_name, {})

    def advanced(self, rule_name: str, user_id: UserId, *, count: bool) -> RoutingState:
        cursors = {**self.cursors, rule_name: user_id}
        counts = {name: dict(per_user) for name, per_user in self.assigned_counts.items()}
        if count:
            per_rule = counts.setdefault(rule_name, {})
            per_rule[user_id] = per_rule.get(user_id, 0) + 1
        return RoutingState(cursors=cursors, assigned_counts=counts)


@dataclass(frozen=True)
class CandidateVerdict:
    user_id: UserId
    eligible: bool
    reasons: list[str]


@dataclass(frozen=True)
class RoutingDecision:
    rule_name: str | None
    strategy: str  # the strategy that decided (sticky falling back to round_robin reports round_robin)
    chosen_user_id: UserId | None
    claim_group_user_ids: list[UserId]
    cascade_order: list[UserId]
    candidates: list[CandidateVerdict]
    reason: str
    next_cursor: UserId | None
    next_state: RoutingState = field(default_factory=RoutingState)
    cascade_offer_minutes: int | None = None
    rules_considered: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """'assigned', 'claim', 'cascade' or 'unassigned' (nobody eligible: the service queues it)."""
        if self.chosen_user_id is not None:
            return "assigned"
        if self.claim_group_user_ids:
            return "claim"
        if self.cascade_order:
            return "cascade"
        return "unassigned"

    def verdict_for(self, user_id: UserId) -> CandidateVerdict | None:
        return next((v for v in self.candidates if v.user_id == user_id), None)


# --------------------------------------------------------------------------------------------------- filters


def _working_now(candidate: Candidate, now_utc: datetime) -> tuple[bool, str]:
    if candidate.working_hours is None:
        return True, "no working-hours limit"
    local = now_utc.astimezone(ZoneInfo(candidate.timezone))
    stamp = f"{WEEKDAY_NAMES[local.weekday()]} {local:%H:%M} {candidate.timezone}"
    window = candidate.working_hours.get(local.weekday())
    if window is None:
        return False, f"off today ({stamp})"
    start, end = window
    now_time = local.time().replace(tzinfo=None)
    inside = start <= now_time and (end == time(0) or now_time < end)
    shown = f"{start:%H:%M}-{end:%H:%M}"
    if inside:
        return True, f"working ({stamp}, hours {shown})"
    return False, f"outside working hours ({stamp}, hours {shown})"


def _hard_filters(
    candidate: Candidate, lead: LeadFacts, rule: Rule, strategy: str, now_utc: datetime, check_hours: bool
) -> tuple[list[str], list[str]]:
    """(exclusions, notes) for every filter except the soft language preference."""
    excluded: list[str] = []
    notes: list[str] = []
    if not candidate.active:
        excluded.append("inactive user")
    if candidate.out_of_office:
        excluded.append("out of office")
    if not lead.state:
        notes.append("property state unknown; licence not checked")
    elif lead.state in candidate.licensed_states:
        notes.append(f"licensed in {lead.state}")
    else:
        excluded.append(f"not licensed in {lead.state}")
    if lead.loan_type in NOT_SURE_LOAN_TYPES:
        notes.append("loan type not chosen")
    elif not candidate.loan_types or lead.loan_type in candidate.loan_types:
        notes.append(f"handles {lead.loan_type}")
    else:
        excluded.append(f"does not handle {lead.loan_type}")
    language = _primary_language(lead.language)
    if language and rule.language_match == "hard":
        if language in candidate.languages:
            notes.append(f"speaks {language}")
        else:
            excluded.append(f"does not speak {language} (language required)")
    if check_hours:
        working, detail = _working_now(candidate, now_utc)
        (notes if working else excluded).append(detail)
    else:
        notes.append("working hours waived: nobody available in hours")
    if candidate.daily_cap is not None:
        usage = f"{candidate.assigned_today}/{candidate.daily_cap} today"
        if candidate.assigned_today >= candidate.daily_cap:
            excluded.append(f"daily cap reached ({usage})")
        else:
            notes.append(usage)
    if candidate.capacity is not None:
        load = f"{candidate.open_leads}/{candidate.capacity} open leads"
        if candidate.open_leads >= candidate.capacity:
            excluded.append(f"at capacity ({load})")
        else:
            notes.append(load)
    if strategy == "weighted":
        if candidate.weight <= 0:
            excluded.append(f"weight {candidate.weight}")
        else:
            notes.append(f"weight {candidate.weight}")
    return excluded, notes


def _evaluate_pool(
    pool: Sequence[Candidate],
    lead: LeadFacts,
    rule: Rule,
    strategy: str,
    now_utc: datetime,
    check_hours: bool,
) -> tuple[list[Candidate], dict[UserId, CandidateVerdict]]:
    """Eligible candidates in pool order, and a verdict for every pool member."""
    results = {c.user_id: _hard_filters(c, lead, rule, strategy, now_utc, check_hours) for c in pool}
    language = _primary_language(lead.language)
    if language and rule.language_match == "soft":
        passing = [c for c in pool if not results[c.user_id][0]]
        speaker_available = any(language in c.languages for c in passing)
        for c in pool:
            excluded, notes = results[c.user_id]
            if language in c.languages:
                notes.append(f"speaks {language}")
            elif speaker_available:
                excluded.append(f"does not speak {language}; an eligible speaker is available")
            else:
                notes.append(f"does not speak {language}; no eligible speaker, preference waived")
    verdicts = {}
    eligible = []
    for c in pool:
        excluded, notes = results[c.user_id]
        verdicts[c.user_id] = CandidateVerdict(c.user_id, not excluded, excluded or notes)
        if not excluded:
            eligible.append(c)
    return eligible, verdicts


# ------------------------------------------------------------------------------------------------ strategies


@dataclass
class _Pick:
    strategy: str
    chosen: UserId | None = None
    claim_group: list[UserId] = field(default_factory=list)
    cascade_order: list[UserId] = field(default_factory=list)
    reason: str = ""


def _rotation(order: Sequence[UserId], cursor: UserId | None) -> list[UserId]:
    """``order`` starting just after ``cursor`` (from the top when the cursor is not in it)."""
    if cursor in order:
        start = order.index(cursor) + 1
        return list(order[start:]) + list(order[:start])
    return list(order)


def _round_robin(order, eligible, cursor, by_id) -> _Pick:
    eligible_ids = {c.user_id for c in eligible}
    chosen = next(uid for uid in _rotation(order, cursor) if uid in eligible_ids)
    after = f"after {by_id[cursor].label}" if cursor in order else "from the top"
    return _Pick(
        "round_robin", chosen=chosen, reason=f"round robin: next eligible {after} is {by_id[chosen].label}"
    )


def _weighted(eligible, counts) -> _Pick:
    total_weight = sum(c.weight for c in eligible)
    total_after = sum(counts.get(c.user_id, 0) for c in eligible) + 1

    def deficit(c: Candidate) -> Fraction:
        return Fraction(c.weight * total_after, total_weight) - counts.get(c.user_id, 0)

    best = max(eligible, key=deficit)  # max() keeps the first of equals: pool order breaks ties
    share = Fraction(best.weight * 100, total_weight)
    return _Pick(
        "weighted",
        chosen=best.user_id,
        reason=(
            f"weighted: {best.label} has {counts.get(best.user_id, 0)} of {total_after - 1} assignments "
            f"against a {float(share):.1f}% share, furthest below target"
        ),
    )


def _least_busy(eligible) -> _Pick:
    use_ratio = all(c.capacity for c in eligible)

    def load(indexed):
        index, c = indexed
        primary = Fraction(c.open_leads, c.capacity) if use_ratio else Fraction(c.open_leads)
        return (primary, c.open_leads, c.assigned_today, index)

    _, best = min(enumerate(eligible), key=load)
    measure = (
        f"{best.open_leads}/{best.capacity} open leads" if use_ratio else f"{best.open_leads} open leads"
    )
    return _Pick("least_busy", chosen=best.user_id, reason=f"least busy: {best.label} with {measure}")


def _apply_base_strategy(strategy, rule, order, eligible, state, by_id) -> _Pick:
    cursor = state.cursor_for(rule.name)
    if strategy == "round_robin":
        return _round_robin(order, eligible, cursor, by_id)
    if strategy == "weighted":
        return _weighted(eligible, state.counts_for(rule.name))
    if strategy == "least_busy":
        return _least_busy(eligible)
    eligible_ids = {c.user_id for c in eligible}
    if strategy == "claim":
        group = [c.user_id for c in eligible]
        return _Pick(
            "claim", claim_group=group, reason=f"claim: broadcast to {len(group)} eligible, first wins"
        )
    if strategy == "cascade":
        cascade = [uid for uid in _rotation(order, cursor) if uid in eligible_ids]
        return _Pick(
            "cascade",
            cascade_order=cascade,
            reason=(
                f"cascade: offer to {by_id[cascade[0]].label} first, {rule.cascade_offer_minutes} min each, "
                f"{len(cascade)} in line"
            ),
        )
    raise ValueError(f"not a base strategy: {strategy}")


# ------------------------------------------------------------------------------------------------- the rule


@dataclass
class _RuleAttempt:
    pick: _Pick | None
    verdicts: dict[UserId, CandidateVerdict]
    next_state: RoutingState
    notes: list[str]


def _preferred_for(rule: Rule, lead: LeadFacts) -> tuple[UserId | None, str]:
    if rule.strategy == "sticky":
        return lead.previous_owner_id, "previous owner"
    if rule.strategy == "referral_preference":
        return lead.referral_partner_preferred_user_id, "referral partner's preferred loan officer"
    return None, ""


def _try_rule(rule, lead, candidates, by_id, state, now_utc) -> _RuleAttempt:
    notes: list[str] = []
    if rule.candidate_user_ids:
        unknown = [uid for uid in rule.candidate_user_ids if uid not in by_id]
        if unknown:
            notes.append(f"listed but not candidates: {', '.join(map(str, unknown))}")
        order = [uid for uid in rule.candidate_user_ids if uid in by_id]
    else:
        order = [c.user_id for c in candidates]
    outside = f"not in rule {rule.name!r} candidate list"
    verdicts = {c.user_id: CandidateVerdict(c.user_id, False, [outside]) for c in candidates}
    base = rule.strategy if rule.strategy in BASE_STRATEGIES else rule.base_strategy

    preferred_id, preferred_label = _preferred_for(rule, lead)
    if rule.strategy in ("sticky", "referral_preference"):
        if preferred_id is None:
            notes.append(f"{rule.strategy}: no {preferred_label}; using {base}")
        elif preferred_id not in by_id:
            notes.append(
                f"{rule.strategy}: {preferred_label} {preferred_id} is not a candidate; using {base}"
            )
        else:
            preferred = by_id[preferred_id]
            # Evaluated alone: the soft language preference is waived (the relationship wins) and weights do
            # not apply; every other filter, and a hard language requirement, still does.
            eligible, preferred_verdicts = _evaluate_pool(
                [preferred], lead, rule, rule.strategy, now_utc, True
            )
            verdicts.update(preferred_verdicts)
            if eligible:
                pick = _Pick(
                    rule.strategy,
                    chosen=preferred_id,
                    reason=f"{rule.strategy}: {preferred_label} {preferred.label} is eligible",
                )
                return _RuleAttempt(pick, verdicts, state, notes)
            why = "; ".join(preferred_verdicts[preferred_id].reasons)
            notes.append(
                f"{rule.strategy}: {preferred_label} {preferred.label} ineligible ({why}); using {base}"
            )

    fallback_order = [uid for uid in rule.fallback_user_ids if uid in by_id and uid not in order]
    passes = [(order, True, "rule pool"), (fallback_order, True, "fallback")]
    if rule.assign_outside_working_hours:
        passes += [
            (order, False, "rule pool outside hours"),
            (fallback_order, False, "fallback outside hours"),
        ]
    for pass_order, check_hours, label in passes:
        if not pass_order:
            continue
        pool = [by_id[uid] for uid in pass_order]
        eligible, pass_verdicts = _evaluate_pool(pool, lead, rule, base, now_utc, check_hours)
        verdicts.update(pass_verdicts)
        if not eligible:
            notes.append(f"{label}: nobody eligible")
            continue
        pick = _apply_base_strategy(base, rule, pass_order, eligible, state, by_id)
        if label != "rule pool":
            pick.reason = f"{pick.reason} ({label})"
        next_state = state
        if pick.chosen is not None:
            next_state = state.advanced(rule.name, pick.chosen, count=True)
        elif pick.cascade_order:
            next_state = state.advanced(rule.name, pick.cascade_order[0], count=False)
        return _RuleAttempt(pick, verdicts, next_state, notes)
    return _RuleAttempt(None, verdicts, state, notes)


def _ensure_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)


def decide_route(
    lead: LeadFacts,
    rules: Iterable[Rule],
    candidates: Sequence[Candidate],
    state: RoutingState | None,
    now_utc: datetime,
    *,
    use_builtin_default: bool = True,
) -> RoutingDecision:
    """Pick the rule and the loan officer for one lead. Pure: the same inputs always give the same answer."""
    now_utc = _ensure_aware(now_utc)
    state = state or RoutingState()
    by_id: dict[UserId, Candidate] = {}
    for candidate in candidates:
        if candidate.user_id in by_id:
            raise ValueError(f"candidate {candidate.user_id} listed twice")
        by_id[candidate.user_id] = candidate
    ordered = sorted((r for r in rules if r.active), key=lambda r: (r.order, r.name))
    if use_builtin_default:
        ordered.append(BUILTIN_DEFAULT_RULE)

    considered: list[str] = []
    last_attempt: _RuleAttempt | None = None
    last_rule: Rule | None = None
    for rule in ordered:
        matches, why = rule.match(lead)
        if not matches:
            considered.append(f"{rule.name}: skipped, {why}")
            continue
        attempt = _try_rule(rule, lead, candidates, by_id, state, now_utc)
        last_attempt, last_rule = attempt, rule
        if attempt.pick is not None:
            considered.append(f"{rule.name}: matched, {attempt.pick.reason}")
            pick = attempt.pick
            reason = pick.reason
            if attempt.notes:
                reason = f"{reason}; " + "; ".join(attempt.notes)
            chosen_verdicts = _annotate_choice(attempt.verdicts, pick)
            return RoutingDecision(
                rule_name=rule.name,
                strategy=pick.strategy,
                chosen_user_id=pick.chosen,
                claim_group_user_ids=pick.claim_group,
                cascade_order=pick.cascade_order,
                candidates=[chosen_verdicts[c.user_id] for c in candidates],
                reason=reason,
                next_cursor=attempt.next_state.cursor_for(rule.name),
                next_state=attempt.next_state,
                cascade_offer_minutes=rule.cascade_offer_minutes if pick.cascade_order else None,
                rules_considered=considered,
            )
        considered.append(f"{rule.name}: matched, nobody eligible ({'; '.join(attempt.notes)})")
        if not rule.fall_through:
            break

    verdicts = last_attempt.verdicts if last_attempt else {}
    return RoutingDecision(
        rule_name=last_rule.name if last_rule else None,
        strategy=last_rule.strategy if last_rule else "none",
        chosen_user_id=None,
        claim_group_user_ids=[],
        cascade_order=[],
        candidates=[
            verdicts.get(c.user_id, CandidateVerdict(c.user_id, False, ["no rule matched"]))
            for c in candidates
        ],
        reason="unassigned: no eligible loan officer under any matching rule"
        if last_rule
        else "no rule matched",
        next_cursor=state.cursor_for(last_rule.name) if last_rule else None,
        next_state=state,
        rules_considered=considered,
    )


def _annotate_choice(verdicts: dict[UserId, CandidateVerdict], pick: _Pick) -> dict[UserId, CandidateVerdict]:
    annotated = dict(verdicts)
    marks: dict[UserId, str] = {}
    if pick.chosen is not None:
        marks[pick.chosen] = f"chosen: {pick.reason}"
    for position, uid in enumerate(pick.cascade_order, start=1):
        marks[uid] = f"cascade position {position}"
    for uid in pick.claim_group:
        marks[uid] = "in claim group"
    for uid, mark in marks.items():
        verdict = annotated[uid]
        annotated[uid] = replace(verdict, reasons=[*verdict.reasons, mark])
    for uid, verdict in annotated.items():
        if verdict.eligible and uid not in marks:
            annotated[uid] = replace(verdict, reasons=[*verdict.reasons, "eligible, not picked"])
    return annotated


# ---------------------------------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class ReplayLead:
    lead_id: Hashable
    facts: LeadFacts
    received_utc: datetime
    actual_user_id: UserId | None = None


@dataclass(frozen=True)
class ReplayRow:
    lead_id: Hashable
    before_user_id: UserId | None
    after_user_id: UserId | None
    changed: bool
    before: RoutingDecision | None  # None when "before" is the lead's actual historical owner
    after: RoutingDecision


class _Simulation:
    """Replays decisions in order, counting its own assignments: ``assigned_today`` restarts at 0 on each
    candidate's local day and counts only simulated assignments; ``open_leads`` starts from the given value
    and grows with each simulated assignment. Claims and cascades assign nobody in the simulation."""

    def __init__(self, rules, candidates, state):
        self.rules = list(rules)
        self.candidates = list(candidates)
        self.state = state or RoutingState()
        self.per_day: dict[tuple[UserId, date], int] = {}
        self.extra_open: dict[UserId, int] = {}

    def decide(self, lead: ReplayLead) -> RoutingDecision:
        moment = _ensure_aware(lead.received_utc)
        current = []
        for c in self.candidates:
            local_day = moment.astimezone(ZoneInfo(c.timezone)).date()
            current.append(
                replace(
                    c,
                    assigned_today=self.per_day.get((c.user_id, local_day), 0),
                    open_leads=c.open_leads + self.extra_open.get(c.user_id, 0),
                )
            )
        decision = decide_route(lead.facts, self.rules, current, self.state, moment)
        self.state = decision.next_state
        if decision.chosen_user_id is not None:
            uid = decision.chosen_user_id
            tz = next(c.timezone for c in self.candidates if c.user_id == uid)
            key = (uid, moment.astimezone(ZoneInfo(tz)).date())
            self.per_day[key] = self.per_day.get(key, 0) + 1
            self.extra_open[uid] = self.extra_open.get(uid, 0) + 1
        return decision


def replay(
    leads: Sequence[ReplayLead],
    rules: Iterable[Rule],
    candidates: Sequence[Candidate],
    state: RoutingState | None = None,
    *,
    baseline_rules: Iterable[Rule] | None = None,
) -> list[ReplayRow]:
    """How would assignments change under ``rules``? Leads are replayed oldest first (by received time, then
    input order). "Before" is each lead's ``actual_user_id``, or, with ``baseline_rules``, a simulation of
    those rules from the same starting ``state``, so a draft can be compared like for like."""
    ordered = sorted(enumerate(leads), key=lambda item: (_ensure_aware(item[1].received_utc), item[0]))
    draft = _Simulation(rules, candidates, state)
    baseline = _Simulation(baseline_rules, candidates, state) if baseline_rules is not None else None
    rows = []
    for _, lead in ordered:
        after = draft.decide(lead)
        before = baseline.decide(lead) if baseline else None
        before_user = before.chosen_user_id if before else lead.actual_user_id
        rows.append(
            ReplayRow(
                lead_id=lead.lead_id,
                before_user_id=before_user,
                after_user_id=after.chosen_user_id,
                changed=before_user != after.chosen_user_id,
                before=before,
                after=after,
            )
        )
    return rows


def replay_totals(rows: Iterable[ReplayRow]) -> dict[UserId | None, tuple[int, int]]:
    """user id (None = nobody) -> (leads before, leads after), for the "how would it change" summary."""
    totals: dict[UserId | None, list[int]] = {}
    for row in rows:
        totals.setdefault(row.before_user_id, [0, 0])[0] += 1
        totals.setdefault(row.after_user_id, [0, 0])[1] += 1
    return {uid: (before, after) for uid, (before, after) in totals.items()}
