"""Routing decisions: plain data in, a decision with every candidate's verdict out."""

import json
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction

import pytest

from firstcall.routing.engine import (
    Candidate,
    LeadFacts,
    ReplayLead,
    RoutingState,
    Rule,
    decide_route,
    replay,
    replay_totals,
)

# Tuesday 2026-07-14 15:00 UTC: 11:00 in New York, 10:00 in Chicago, 09:00 in Denver, 08:00 in Phoenix.
TUESDAY_15_UTC = datetime(2026, 7, 14, 15, 0, tzinfo=UTC)
WEEKDAYS_9_TO_5 = {day: (time(9), time(17)) for day in range(5)}


def officer(user_id, **changes):
    facts = dict(
        user_id=user_id,
        name=str(user_id).title(),
        licensed_states={"FL", "TX"},
        loan_types=set(),
        languages={"en"},
        timezone="America/New_York",
    )
    facts.update(changes)
    return Candidate(**facts)


ANA, BEN, CARA = officer("ana"), officer("ben"), officer("cara")
TEAM = [ANA, BEN, CARA]
FL_LEAD = LeadFacts(
    state="FL", loan_type="fha", language="en", source_id=1, score_tier="hot", purpose="purchase"
)


def route(lead=FL_LEAD, rules=(), candidates=TEAM, state=None, now=TUESDAY_15_UTC, **options):
    return decide_route(lead, rules, candidates, state, now, **options)


def reasons_of(decision, user_id):
    return decision.verdict_for(user_id).reasons


def run_sequence(rule, candidates, count, lead=FL_LEAD, now=TUESDAY_15_UTC):
    state, chosen = RoutingState(), []
    for _ in range(count):
        decision = decide_route(lead, [rule], candidates, state, now)
        chosen.append(decision.chosen_user_id)
        state = decision.next_state
    return chosen, state


# ------------------------------------------------------------------------------------------- round robin


def test_round_robin_is_fair_over_a_sequence():
    chosen, state = run_sequence(Rule(name="all"), TEAM, 9)

    assert chosen == ["ana", "ben", "cara"] * 3
    assert state.cursors == {"all": "cara"}
    assert state.assigned_counts == {"all": {"ana": 3, "ben": 3, "cara": 3}}


def test_round_robin_continues_after_the_stored_cursor():
    decision = route(rules=[Rule(name="all")], state=RoutingState(cursors={"all": "ben"}))

    assert decision.chosen_user_id == "cara"
    assert decision.next_cursor == "cara"
    assert decision.reason == "round robin: next eligible after Ben is Cara"


def test_round_robin_skips_an_ineligible_officer_without_losing_her_place():
    team = [ANA, officer("ben", out_of_office=True), CARA]
    rule = Rule(name="all")

    first = route(rules=[rule], candidates=team, state=RoutingState(cursors={"all": "ana"}))
    second = route(rules=[rule], candidates=[ANA, BEN, CARA], state=first.next_state)

    assert first.chosen_user_id == "cara"
    assert reasons_of(first, "ben") == ["out of office"]
    assert second.chosen_user_id == "ana"


def test_round_robin_cursor_for_someone_no_longer_in_the_pool_starts_from_the_top():
    decision = route(rules=[Rule(name="all")], state=RoutingState(cursors={"all": "zed"}))

    assert decision.chosen_user_id == "ana"
    assert decision.reason == "round robin: next eligible from the top is Ana"


def test_round_robin_follows_the_rule_candidate_order():
    chosen, _ = run_sequence(Rule(name="pair", candidate_user_ids=("cara", "ana")), TEAM, 4)

    assert chosen == ["cara", "ana", "cara", "ana"]


def test_officer_outside_the_rule_pool_gets_a_verdict_saying_so():
    decision = route(rules=[Rule(name="pair", candidate_user_ids=("cara", "ana"))])

    assert decision.verdict_for("ben").eligible is False
    assert reasons_of(decision, "ben") == ["not in rule 'pair' candidate list"]


# ---------------------------------------------------------------------------------------------- weighted


def test_weighted_split_converges_to_the_weights_over_1000_leads():
    team = [officer("ana", weight=5), officer("ben", weight=3), officer("cara", weight=2)]
    rule = Rule(name="split", strategy="weighted")
    state, running = RoutingState(), Counter()
    worst_drift = Fraction(0)
    for n in range(1, 1001):
        decision = decide_route(FL_LEAD, [rule], team, state, TUESDAY_15_UTC)
        state = decision.next_state
        running[decision.chosen_user_id] += 1
        for c in team:
            drift = abs(running[c.user_id] - Fraction(c.weight * n, 10))
            worst_drift = max(worst_drift, drift)

    assert running == {"ana": 500, "ben": 300, "cara": 200}
    assert worst_drift < 1  # never more than one lead away from its share at any point


def test_weighted_split_first_picks_are_deterministic():
    team = [officer("ana", weight=5), officer("ben", weight=3), officer("cara", weight=2)]

    chosen, _ = run_sequence(Rule(name="split", strategy="weighted"), team, 10)

    assert chosen == ["ana", "ben", "cara", "ana", "ana", "ben", "ana", "cara", "ben", "ana"]


def test_weighted_picks_whoever_is_furthest_below_target():
    team = [officer("ana", weight=1), officer("ben", weight=1)]
    state = RoutingState(assigned_counts={"split": {"ana": 10, "ben": 4}})

    decision = route(rules=[Rule(name="split", strategy="weighted")], candidates=team, state=state)

    assert decision.chosen_user_id == "ben"
    assert (
        decision.reason
        == "weighted: Ben has 4 of 14 assignments against a 50.0% share, furthest below target"
    )
    assert decision.next_state.assigned_counts == {"split": {"ana": 10, "ben": 5}}


def test_weight_zero_excludes_from_weighted_split():
    team = [officer("ana", weight=0), officer("ben", weight=2)]

    decision = route(rules=[Rule(name="split", strategy="weighted")], candidates=team)

    assert decision.chosen_user_id == "ben"
    assert reasons_of(decision, "ana")[-1] == "weight 0"
    assert decision.verdict_for("ana").eligible is False


# -------------------------------------------------------------------------------------------- least busy


def test_least_busy_compares_open_leads_against_capacity():
    team = [
        officer("ana", open_leads=10, capacity=20),
        officer("ben", open_leads=6, capacity=10),
        officer("cara", open_leads=12, capacity=40),
    ]

    decision = route(rules=[Rule(name="load", strategy="least_busy")], candidates=team)

    assert decision.chosen_user_id == "cara"
    assert decision.reason == "least busy: Cara with 12/40 open leads"


def test_least_busy_ties_go_to_fewer_open_leads_then_pool_order():
    team = [
        officer("ana", open_leads=10, capacity=20),
        officer("ben", open_leads=5, capacity=10),
        officer("cara", open_leads=5, capacity=10),
    ]

    decision = route(rules=[Rule(name="load", strategy="least_busy")], candidates=team)

    assert decision.chosen_user_id == "ben"


def test_least_busy_without_capacities_uses_open_lead_counts():
    team = [officer("ana", open_leads=3), officer("ben", open_leads=1, capacity=50)]

    decision = route(rules=[Rule(name="load", strategy="least_busy")], candidates=team)

    assert decision.chosen_user_id == "ben"
    assert decision.reason == "least busy: Ben with 1 open leads"


# ------------------------------------------------------------------------------------- claim and cascade


def test_claim_broadcasts_to_every_eligible_officer_and_assigns_nobody():
    team = [ANA, officer("ben", licensed_states={"GA"}), CARA]

    decision = route(rules=[Rule(name="pool", strategy="claim")], candidates=team)

    assert decision.outcome == "claim"
    assert decision.chosen_user_id is None
    assert decision.claim_group_user_ids == ["ana", "cara"]
    assert reasons_of(decision, "ana")[-1] == "in claim group"
    assert reasons_of(decision, "ben") == ["not licensed in FL"]
    assert decision.next_state == RoutingState()


def test_cascade_offers_in_rotation_and_moves_the_cursor_to_the_first_offer():
    rule = Rule(name="offer", strategy="cascade", cascade_offer_minutes=3)

    first = route(rules=[rule])
    second = route(rules=[rule], state=first.next_state)

    assert first.outcome == "cascade"
    assert first.chosen_user_id is None
    assert first.cascade_order == ["ana", "ben", "cara"]
    assert first.cascade_offer_minutes == 3
    assert first.next_cursor == "ana"
    assert second.cascade_order == ["ben", "cara", "ana"]
    assert reasons_of(first, "ben")[-1] == "cascade position 2"
    assert first.next_state.assigned_counts == {}


# --------------------------------------------------------------------------------- sticky and referral


def test_sticky_sends_a_returning_borrower_back_to_the_previous_owner():
    lead = LeadFacts(state="FL", previous_owner_id="cara")
    state = RoutingState(cursors={"returning": "ana"})

    decision = route(lead=lead, rules=[Rule(name="returning", strategy="sticky")], state=state)

    assert decision.chosen_user_id == "cara"
    assert decision.strategy == "sticky"
    assert decision.reason == "sticky: previous owner Cara is eligible"
    assert decision.next_state == state  # the rotation is not disturbed


def test_sticky_falls_through_to_the_base_strategy_when_the_previous_owner_is_ineligible():
    lead = LeadFacts(state="FL", previous_owner_id="cara")
    team = [ANA, BEN, officer("cara", out_of_office=True)]
    rule = Rule(name="returning", strategy="sticky", base_strategy="round_robin")

    decision = route(lead=lead, rules=[rule], candidates=team)

    assert decision.chosen_user_id == "ana"
    assert decision.strategy == "round_robin"
    assert decision.reason == (
        "round robin: next eligible from the top is Ana; "
        "sticky: previous owner Cara ineligible (out of office); using round_robin"
    )
    assert reasons_of(decision, "cara") == ["out of office"]


def test_sticky_with_no_previous_owner_uses_the_base_strategy():
    rule = Rule(name="returning", strategy="sticky", base_strategy="claim")

    decision = route(rules=[rule])

    assert decision.outcome == "claim"
    assert decision.reason.endswith("sticky: no previous owner; using claim")


def test_sticky_previous_owner_outside_the_pool_still_gets_the_lead():
    lead = LeadFacts(state="FL", previous_owner_id="cara")
    rule = Rule(name="returning", strategy="sticky", candidate_user_ids=("ana", "ben"))

    decision = route(lead=lead, rules=[rule])

    assert decision.chosen_user_id == "cara"


def test_referral_partner_preference_picks_the_preferred_officer():
    lead = LeadFacts(state="TX", referral_partner_preferred_user_id="ben")

    decision = route(lead=lead, rules=[Rule(name="partners", strategy="referral_preference")])

    assert decision.chosen_user_id == "ben"
    assert decision.reason == "referral_preference: referral partner's preferred loan officer Ben is eligible"


def test_referral_preference_falls_through_when_the_preferred_officer_is_not_licensed():
    lead = LeadFacts(state="FL", referral_partner_preferred_user_id="ben")
    team = [ANA, officer("ben", licensed_states={"GA"}), CARA]
    rule = Rule(name="partners", strategy="referral_preference", base_strategy="least_busy")

    decision = route(lead=lead, rules=[rule], candidates=team)

    assert decision.strategy == "least_busy"
    assert decision.chosen_user_id == "ana"
    assert "referral partner's preferred loan officer Ben ineligible (not licensed in FL)" in decision.reason


def test_referral_preference_for_someone_who_is_not_a_candidate_falls_through():
    lead = LeadFacts(state="FL", referral_partner_preferred_user_id="zed")

    decision = route(lead=lead, rules=[Rule(name="partners", strategy="referral_preference")])

    assert decision.chosen_user_id == "ana"
    assert "referral partner's preferred loan officer zed is not a candidate" in decision.reason


# ------------------------------------------------------------------------------------------------ filters


def test_every_filter_excludes_with_its_reason():
    team = [
        officer("inactive", active=False),
        officer("away", out_of_office=True),
        officer("unlicensed", licensed_states={"GA"}),
        officer("conventional_only", loan_types={"conventional"}),
        officer("after_hours", working_hours={1: (time(13), time(17))}),
        officer("day_off", working_hours={0: (time(9), time(17))}),
        officer("capped", daily_cap=5, assigned_today=5),
        officer("full", capacity=10, open_leads=10),
        officer(
            "eligible", loan_types={"fha", "va"}, daily_cap=5, assigned_today=2, capacity=10, open_leads=3
        ),
    ]

    decision = route(rules=[Rule(name="all")], candidates=team)

    assert decision.chosen_user_id == "eligible"
    verdicts = {v.user_id: (v.eligible, v.reasons) for v in decision.candidates}
    assert verdicts["inactive"][0] is False
    assert verdicts["inactive"][1][0] == "inactive user"
    assert verdicts["away"][1][0] == "out of office"
    assert verdicts["unlicensed"][1] == ["not licensed in FL"]
    assert verdicts["conventional_only"][1] == ["does not handle fha"]
    assert verdicts["after_hours"][1] == [
        "outside working hours (Tue 11:00 America/New_York, hours 13:00-17:00)"
    ]
    assert verdicts["day_off"][1] == ["off today (Tue 11:00 America/New_York)"]
    assert verdicts["capped"][1] == ["daily cap reached (5/5 today)"]
    assert verdicts["full"][1] == ["at capacity (10/10 open leads)"]
    assert verdicts["eligible"] == (
        True,
        [
            "licensed in FL",
            "handles fha",
            "no working-hours limit",
            "2/5 today",
            "3/10 open leads",
            "speaks en",
            "chosen: round robin: next eligible from the top is Eligible",
        ],
    )


def test_an_officer_failing_several_filters_gets_every_reason():
    team = [officer("ana", out_of_office=True, licensed_states={"GA"}, daily_cap=0), BEN]

    decision = route(rules=[Rule(name="all")], candidates=team)

    assert reasons_of(decision, "ana") == [
        "out of office",
        "not licensed in FL",
        "daily cap reached (0/0 today)",
    ]


def test_unknown_property_state_and_loan_type_are_not_filtered_but_noted():
    decision = route(lead=LeadFacts(), rules=[Rule(name="all")])

    assert decision.chosen_user_id == "ana"
    assert reasons_of(decision, "ben") == [
        "property state unknown; licence not checked",
        "loan type not chosen",
        "no working-hours limit",
        "eligible, not picked",
    ]


def test_soft_language_prefers_a_speaker_when_one_is_eligible():
    lead = LeadFacts(state="FL", language="es-MX")
    team = [ANA, officer("ben", languages={"en", "ES"}), CARA]

    decision = route(lead=lead, rules=[Rule(name="all")], candidates=team)

    assert decision.chosen_user_id == "ben"
    assert reasons_of(decision, "ana")[-1] == "does not speak es; an eligible speaker is available"


def test_soft_language_is_waived_when_no_eligible_speaker_exists():
    lead = LeadFacts(state="FL", language="es")
    team = [ANA, officer("ben", languages={"es"}, out_of_office=True)]

    decision = route(lead=lead, rules=[Rule(name="all")], candidates=team)

    assert decision.chosen_user_id == "ana"
    assert "does not speak es; no eligible speaker, preference waived" in reasons_of(decision, "ana")


def test_hard_language_excludes_non_speakers_even_if_nobody_is_left():
    lead = LeadFacts(state="FL", language="es")
    rule = Rule(name="spanish", language_match="hard", fall_through=False)

    decision = route(lead=lead, rules=[rule])

    assert decision.outcome == "unassigned"
    assert reasons_of(decision, "ana") == ["does not speak es (language required)"]


def test_working_hours_are_checked_in_each_officers_own_time_zone_across_dst():
    # 14:30 UTC in July: 08:30 MDT in Denver, but 07:30 in Phoenix (Arizona keeps standard time).
    hours = {day: (time(8), time(17)) for day in range(7)}
    denver = officer("denver", timezone="America/Denver", working_hours=hours)
    phoenix = officer("phoenix", timezone="America/Phoenix", working_hours=hours)
    summer = datetime(2026, 7, 14, 14, 30, tzinfo=UTC)
    winter = datetime(2026, 1, 13, 15, 30, tzinfo=UTC)  # 08:30 in both: Denver is on MST too

    in_summer = route(rules=[Rule(name="all")], candidates=[phoenix, denver], now=summer)
    in_winter = route(rules=[Rule(name="all")], candidates=[phoenix, denver], now=winter)

    assert in_summer.chosen_user_id == "denver"
    assert reasons_of(in_summer, "phoenix") == [
        "outside working hours (Tue 07:30 America/Phoenix, hours 08:00-17:00)"
    ]
    assert in_winter.chosen_user_id == "phoenix"
    assert in_winter.verdict_for("denver").eligible is True


def test_working_hours_end_is_exclusive_and_midnight_means_end_of_day():
    late = officer("late", working_hours={1: (time(18), time(0))})
    closes_at_11 = officer("early", working_hours={1: (time(9), time(11))})

    decision = route(rules=[Rule(name="all")], candidates=[closes_at_11, late], use_builtin_default=False)
    at_night = route(
        rules=[Rule(name="all")], candidates=[late], now=datetime(2026, 7, 15, 3, 59, tzinfo=UTC)
    )

    assert decision.outcome == "unassigned"
    assert reasons_of(decision, "early") == [
        "outside working hours (Tue 11:00 America/New_York, hours 09:00-11:00)"
    ]
    assert at_night.chosen_user_id == "late"  # 23:59 Tuesday in New York


def test_working_hours_accept_strings_from_stored_json():
    candidate = officer("ana", working_hours={"1": ("09:00", "17:30")})

    assert candidate.working_hours == {1: (time(9), time(17, 30))}


def test_bad_candidate_and_rule_data_is_rejected():
    with pytest.raises(ValueError, match="must be after start"):
        officer("ana", working_hours={0: (time(17), time(9))})
    with pytest.raises(ValueError, match="unknown strategy"):
        Rule(name="x", strategy="random")
    with pytest.raises(ValueError, match="base_strategy"):
        Rule(name="x", strategy="sticky", base_strategy="sticky")
    with pytest.raises(ValueError, match="listed twice"):
        route(candidates=[ANA, ANA])
    with pytest.raises(ValueError, match="timezone-aware"):
        route(now=datetime(2026, 7, 14, 15, 0))


# ---------------------------------------------------------------------------------------- rule ordering


def test_first_matching_rule_by_order_wins():
    rules = [
        Rule(name="catch-all", order=100, candidate_user_ids=("cara",)),
        Rule(name="fha", order=10, loan_types={"fha"}, candidate_user_ids=("ben",)),
        Rule(name="texas", order=1, states={"TX"}, candidate_user_ids=("ana",)),
    ]

    decision = route(rules=rules)

    assert decision.rule_name == "fha"
    assert decision.chosen_user_id == "ben"
    assert decision.rules_considered == [
        "texas: skipped, state 'FL' not in ['TX']",
        "fha: matched, round robin: next eligible from the top is Ben",
    ]


def test_rule_conditions_cover_source_tier_and_purpose():
    rule = Rule(name="hot google purchases", source_ids={7}, score_tiers={"hot"}, purposes={"purchase"})

    assert rule.match(FL_LEAD) == (False, "source 1 not in [7]")
    assert rule.match(LeadFacts(source_id=7, score_tier="warm")) == (
        False,
        "score tier 'warm' not in ['hot']",
    )
    assert rule.match(LeadFacts(source_id=7, score_tier="hot", purpose="purchase")) == (
        True,
        "conditions match",
    )


def test_inactive_rules_are_ignored():
    rules = [Rule(name="off", order=1, candidate_user_ids=("cara",), active=False), Rule(name="on", order=2)]

    assert route(rules=rules).rule_name == "on"


def test_matched_rule_with_nobody_eligible_falls_through_to_the_next():
    rules = [
        Rule(name="texans", order=1, candidate_user_ids=("ana",)),
        Rule(name="everyone", order=2),
    ]
    team = [officer("ana", daily_cap=1, assigned_today=1), BEN, CARA]

    decision = route(rules=rules, candidates=team)

    assert decision.rule_name == "everyone"
    assert decision.chosen_user_id == "ben"
    assert decision.rules_considered[0] == "texans: matched, nobody eligible (rule pool: nobody eligible)"


def test_rule_without_fall_through_leaves_the_lead_unassigned():
    rules = [
        Rule(name="ana only", order=1, candidate_user_ids=("ana",), fall_through=False),
        Rule(name="all", order=2),
    ]
    team = [officer("ana", out_of_office=True), BEN]

    decision = route(rules=rules, candidates=team)

    assert decision.outcome == "unassigned"
    assert decision.rule_name == "ana only"
    assert decision.reason == "unassigned: no eligible loan officer under any matching rule"
    assert reasons_of(decision, "ana") == ["out of office"]


def test_builtin_default_takes_leads_no_rule_matches():
    decision = route(rules=[Rule(name="texas", states={"TX"})])

    assert decision.rule_name == "default (built-in)"
    assert decision.chosen_user_id == "ana"


def test_without_the_builtin_default_an_unmatched_lead_is_unassigned():
    decision = route(rules=[Rule(name="texas", states={"TX"})], use_builtin_default=False)

    assert decision.outcome == "unassigned"
    assert decision.rule_name is None
    assert decision.reason == "no rule matched"
    assert reasons_of(decision, "ana") == ["no rule matched"]


def test_fallback_officers_take_the_lead_when_the_pool_is_unavailable():
    rule = Rule(
        name="team", candidate_user_ids=("ana", "ben"), fallback_user_ids=("cara",), fall_through=False
    )
    team = [officer("ana", out_of_office=True), officer("ben", out_of_office=True), CARA]

    decision = route(rules=[rule], candidates=team)

    assert decision.chosen_user_id == "cara"
    assert (
        decision.reason
        == "round robin: next eligible from the top is Cara (fallback); rule pool: nobody eligible"
    )


def test_after_hours_lead_goes_to_an_officer_off_shift_only_when_the_rule_allows_it():
    team = [officer("ana", working_hours=WEEKDAYS_9_TO_5), officer("ben", working_hours=WEEKDAYS_9_TO_5)]
    saturday = datetime(2026, 7, 18, 15, 0, tzinfo=UTC)
    strict = Rule(name="strict", fall_through=False)
    relaxed = Rule(name="relaxed", assign_outside_working_hours=True)

    held = route(rules=[strict], candidates=team, now=saturday)
    assigned = route(rules=[relaxed], candidates=team, now=saturday)

    assert held.outcome == "unassigned"
    assert assigned.chosen_user_id == "ana"
    assert assigned.reason == (
        "round robin: next eligible from the top is Ana (rule pool outside hours); rule pool: nobody eligible"
    )
    assert reasons_of(assigned, "ana")[2] == "working hours waived: nobody available in hours"


def test_after_hours_relaxing_still_respects_out_of_office_and_licence():
    team = [
        officer("ana", working_hours=WEEKDAYS_9_TO_5, out_of_office=True),
        officer("ben", working_hours=WEEKDAYS_9_TO_5, licensed_states={"GA"}),
    ]
    saturday = datetime(2026, 7, 18, 15, 0, tzinfo=UTC)

    decision = route(rules=[Rule(name="r", assign_outside_working_hours=True)], candidates=team, now=saturday)

    assert decision.outcome == "unassigned"


def test_every_candidate_gets_a_verdict_in_input_order():
    decision = route(rules=[Rule(name="all")])

    assert [v.user_id for v in decision.candidates] == ["ana", "ben", "cara"]
    assert reasons_of(decision, "ana")[-1] == "chosen: round robin: next eligible from the top is Ana"
    assert reasons_of(decision, "ben")[-1] == "eligible, not picked"


def test_same_inputs_give_the_same_decision():
    state = RoutingState(cursors={"all": "ana"})

    assert route(rules=[Rule(name="all")], state=state) == route(rules=[Rule(name="all")], state=state)


def test_decide_route_does_not_modify_the_state_it_was_given():
    state = RoutingState(cursors={"all": "ana"}, assigned_counts={"all": {"ana": 1}})

    route(rules=[Rule(name="all")], state=state)

    assert state == RoutingState(cursors={"all": "ana"}, assigned_counts={"all": {"ana": 1}})


# ------------------------------------------------------------------------------------------------- replay


def replay_leads(count, start=TUESDAY_15_UTC, actual=None, state="FL"):
    return [
        ReplayLead(
            lead_id=n,
            facts=LeadFacts(state=state, loan_type="fha"),
            received_utc=start + timedelta(minutes=n),
            actual_user_id=(actual[n] if actual else None),
        )
        for n in range(count)
    ]


def test_replay_compares_a_draft_rule_set_with_what_actually_happened():
    leads = replay_leads(4, actual=["ana", "ben", "cara", "ana"])
    draft = [Rule(name="ben and cara", candidate_user_ids=("ben", "cara"))]

    rows = replay(leads, draft, TEAM)

    assert [(r.lead_id, r.before_user_id, r.after_user_id, r.changed) for r in rows] == [
        (0, "ana", "ben", True),
        (1, "ben", "cara", True),
        (2, "cara", "ben", True),
        (3, "ana", "cara", True),
    ]
    assert all(row.before is None for row in rows)
    assert replay_totals(rows) == {"ana": (2, 0), "ben": (1, 2), "cara": (1, 2)}


def test_replay_against_baseline_rules_simulates_both_from_the_same_state():
    leads = replay_leads(6)
    current = [Rule(name="rr")]
    draft = [Rule(name="split", strategy="weighted")]
    team = [officer("ana", weight=2), officer("ben", weight=1), officer("cara", weight=0)]

    rows = replay(leads, draft, team, baseline_rules=current)

    assert [r.before_user_id for r in rows] == ["ana", "ben", "cara", "ana", "ben", "cara"]
    assert [r.after_user_id for r in rows] == ["ana", "ben", "ana", "ana", "ben", "ana"]
    assert [r.changed for r in rows] == [False, False, True, False, False, True]
    assert rows[2].before.rule_name == "rr"


def test_replay_counts_daily_caps_per_local_day():
    team = [officer("ana", daily_cap=2), officer("ben", daily_cap=2)]
    monday_night = datetime(2026, 7, 13, 23, 0, tzinfo=UTC)  # 19:00 in New York
    leads = [
        ReplayLead(n, LeadFacts(state="FL"), monday_night + timedelta(hours=hours))
        for n, hours in enumerate((0, 0.1, 0.2, 0.3, 0.4, 12))
    ]

    rows = replay(leads, [Rule(name="all")], team)

    assert [r.after_user_id for r in rows] == ["ana", "ben", "ana", "ben", None, "ana"]
    assert rows[4].after.outcome == "unassigned"


def test_replay_orders_leads_by_arrival():
    leads = list(reversed(replay_leads(3)))

    rows = replay(leads, [Rule(name="all")], TEAM)

    assert [(r.lead_id, r.after_user_id) for r in rows] == [(0, "ana"), (1, "ben"), (2, "cara")]


def test_replay_grows_open_leads_for_least_busy():
    team = [officer("ana", open_leads=2, capacity=10), officer("ben", open_leads=0, capacity=10)]

    rows = replay(replay_leads(4), [Rule(name="load", strategy="least_busy")], team)

    assert [r.after_user_id for r in rows] == ["ben", "ben", "ana", "ben"]


def test_sticky_owner_with_zero_weight_still_gets_a_returning_borrower():
    lead = LeadFacts(state="FL", previous_owner_id="cara")
    team = [ANA, BEN, officer("cara", weight=0)]
    rule = Rule(name="returning", strategy="sticky", base_strategy="weighted")

    decision = route(lead=lead, rules=[rule], candidates=team)

    assert decision.chosen_user_id == "cara"


def test_sticky_owner_who_does_not_speak_the_language_keeps_the_borrower_unless_it_is_required():
    lead = LeadFacts(state="FL", language="es", previous_owner_id="cara")
    team = [ANA, officer("ben", languages={"es"}), CARA]

    soft = route(lead=lead, rules=[Rule(name="returning", strategy="sticky")], candidates=team)
    hard = route(
        lead=lead, rules=[Rule(name="returning", strategy="sticky", language_match="hard")], candidates=team
    )

    assert soft.chosen_user_id == "cara"
    assert hard.chosen_user_id == "ben"
    assert "previous owner Cara ineligible (does not speak es (language required))" in hard.reason


def test_routing_state_survives_json_columns_with_integer_user_ids():
    team = [officer(1, name="Ana"), officer(2, name="Ben")]
    rule = Rule(name="split", strategy="weighted")
    state = RoutingState(cursors={"split": 1}, assigned_counts={"split": {1: 3, 2: 1}})

    cursors, counts = state.to_json()
    stored = json.loads(json.dumps({"cursors": cursors, "assigned_counts": counts}))
    restored = RoutingState.from_json(stored["cursors"], stored["assigned_counts"], user_id_type=int)

    assert counts == {"split": {"1": 3, "2": 1}}
    assert restored == state
    assert route(rules=[rule], candidates=team, state=restored).chosen_user_id == 2
    assert RoutingState.from_json(None, None) == RoutingState()


def test_built_in_default_names_an_owner_after_hours_for_the_morning():
    closes_at_11 = officer("early", working_hours={1: (time(9), time(11))})

    decision = route(rules=[], candidates=[closes_at_11])

    assert decision.chosen_user_id == "early"
    assert decision.rule_name == "default (built-in)"
