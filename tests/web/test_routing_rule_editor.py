"""The routing-rule editor: admins list, add, edit, reorder and pause every rule of the organisation; a branch
manager only their teams' rules, with their teams' loan officers; each change audited; anyone else changes
nothing. "Test against past leads" replays the edited, unsaved rule set over recent leads, writes nothing, and
costs the same few queries for 3 leads as for 60."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from firstcall.accounts.models import AuditEvent, Team, User
from firstcall.leads.models import LeadSource
from firstcall.routing import rule_editing
from firstcall.routing.models import RoutingDecisionLog, RoutingRule, RoutingState
from firstcall.routing.services import rules_for
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(organisation):
    """Two branches: Tampa (Olivia and Ben, managed by Mia) and Atlanta (Cara, managed by Max)."""
    people = {
        "admin": make_user(organisation, "ada", role=User.Role.ADMIN),
        "manager": make_user(organisation, "mia", role=User.Role.MANAGER),
        "other_manager": make_user(organisation, "max", role=User.Role.MANAGER),
        "olivia": make_user(organisation, "olivia", licensed_states=["FL", "GA"]),
        "ben": make_user(organisation, "ben", licensed_states=["FL", "GA", "TX"]),
        "cara": make_user(organisation, "cara", licensed_states=["GA"]),
        "partner": make_user(organisation, "pat", role=User.Role.PARTNER),
        "processor": make_user(organisation, "pru", role=User.Role.PROCESSOR),
    }
    people["tampa"] = Team.objects.create(organisation=organisation, name="Tampa")
    people["atlanta"] = Team.objects.create(organisation=organisation, name="Atlanta")
    people["tampa"].members.set([people["olivia"], people["ben"]])
    people["atlanta"].members.set([people["cara"]])
    people["manager"].managed_teams.set([people["tampa"]])
    people["other_manager"].managed_teams.set([people["atlanta"]])
    return people


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides) -> dict:
    data = {
        "name": "Florida purchases",
        "is_active": "on",
        "strategy": "round_robin",
        "base_strategy": "round_robin",
        "language_match": "soft",
        "assign_outside_working_hours": "on",
        "fall_through": "on",
        "cascade_offer_minutes": "5",
        "states": "fl",
        "action": "save",
    }
    data.update(overrides)
    return data


def _rule(organisation, name, position, *candidates, **fields) -> RoutingRule:
    rule = RoutingRule.objects.create(organisation=organisation, name=name, position=position, **fields)
    rule.candidates.set(candidates)
    return rule


def _state() -> dict:
    return {
        "rules": list(RoutingRule.objects.order_by("pk").values()),
        "candidates": list(
            RoutingRule.candidates.through.objects.order_by("pk").values_list("routingrule", "user")
        ),
        "audit": AuditEvent.objects.count(),
        "decisions": RoutingDecisionLog.objects.count(),
        "state": list(RoutingState.objects.values()),
    }


def test_an_admin_adds_a_rule_with_conditions_and_people_and_it_is_audited(organisation, team):
    web = LeadSource.objects.create(organisation=organisation, name="Website", channel="web_form")
    response = _client(team["admin"]).post(
        reverse("routing_rule_new"),
        _form(states="fl, ga", loan_types=["fha", "va"], purposes=["purchase"], score_tiers=["hot"],
              sources=[web.pk], candidates=[team["ben"].pk], fallback_users=[team["olivia"].pk]),
    )  # fmt: skip
    assert response.status_code == 302 and response.url == reverse("routing_rule_list")
    rule = RoutingRule.objects.get(organisation=organisation)
    assert (rule.states, rule.loan_types, rule.purposes, rule.score_tiers, rule.source_ids) == (
        ["FL", "GA"], ["fha", "va"], ["purchase"], ["hot"], [web.pk],
    )  # fmt: skip
    assert list(rule.candidates.all()) == [team["ben"]] and list(rule.fallback_users.all()) == [
        team["olivia"]
    ]
    assert not rule.is_draft and rule.is_active
    event = AuditEvent.objects.get(action="routing.rule.created")
    assert event.actor == team["admin"] and event.detail["name"] == "Florida purchases"
    assert event.detail["changes"]["states"] == [None, ["FL", "GA"]]
    # The engine routes by it.
    [engine_rule] = rules_for(organisation)
    assert engine_rule.states == frozenset({"FL", "GA"}) and engine_rule.candidate_user_ids == (
        team["ben"].pk,
    )
    page = _client(team["admin"]).get(reverse("routing_rule_list"))
    assert "Florida purchases" in page.content.decode() and "Ben" in page.content.decode()


def test_a_manager_edits_a_rule_of_their_team_and_the_audit_lists_what_changed(organisation, team):
    rule = _rule(organisation, "Everyone", 10, team["olivia"], team=team["tampa"])
    client = _client(team["manager"])
    assert client.get(reverse("routing_rule_edit", args=[rule.pk])).status_code == 200
    response = client.post(
        reverse("routing_rule_edit", args=[rule.pk]),
        _form(
            name="Everyone", states="", strategy="weighted", team=team["tampa"].pk,
            candidates=[team["olivia"].pk, team["ben"].pk],
        ),
    )  # fmt: skip
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.strategy == "weighted" and set(rule.candidates.all()) == {team["olivia"], team["ben"]}
    event = AuditEvent.objects.get(action="routing.rule.updated")
    assert event.detail["changes"]["strategy"] == ["round_robin", "weighted"]
    assert event.detail["changes"]["candidates"] == [
        [team["olivia"].pk],
        sorted([team["olivia"].pk, team["ben"].pk]),
    ]
    assert "name" not in event.detail["changes"]


def test_bad_input_is_refused_with_the_reason_and_saves_nothing(organisation, team):
    before = _state()
    response = _client(team["admin"]).post(
        reverse("routing_rule_new"), _form(states="FL, XX", cascade_offer_minutes="0")
    )
    assert response.status_code == 422
    assert "Not a state code: XX." in response.content.decode()
    assert _state() == before


def test_only_the_organisations_loan_officers_can_be_picked(organisation, other_organisation, team):
    outsider = make_user(other_organisation, "eve")
    response = _client(team["admin"]).post(reverse("routing_rule_new"), _form(candidates=[outsider.pk]))
    assert response.status_code == 422 and not RoutingRule.objects.exists()


def test_reorder_and_pause_are_audited_and_change_what_routing_uses(organisation, team):
    first = _rule(organisation, "First", 10, team["olivia"])
    second = _rule(organisation, "Second", 20, team["ben"])
    client = _client(team["admin"])
    assert client.post(reverse("routing_rule_move", args=[second.pk]), {"direction": "up"}).status_code == 302
    assert [rule.name for rule in rules_for(organisation)] == ["Second", "First"]
    move = AuditEvent.objects.get(action="routing.rule.moved")
    assert move.detail["order"] == [["First", "Second"], ["Second", "First"]]
    # Already at the top: nothing moves, nothing is logged.
    client.post(reverse("routing_rule_move", args=[second.pk]), {"direction": "up"})
    assert AuditEvent.objects.filter(action="routing.rule.moved").count() == 1

    client.post(reverse("routing_rule_active", args=[first.pk]), {"active": "0"})
    assert [rule.name for rule in rules_for(organisation)] == ["Second"]
    assert AuditEvent.objects.get(action="routing.rule.paused").detail["name"] == "First"
    page = client.get(reverse("routing_rule_list")).content.decode()
    assert "Paused" in page and "Resume" in page
    client.post(reverse("routing_rule_active", args=[first.pk]), {"active": "1"})
    assert AuditEvent.objects.filter(action="routing.rule.resumed").count() == 1
    assert len(rules_for(organisation)) == 2


@pytest.mark.parametrize(
    "role", ["olivia", "processor"]
)  # partners: tests/web/test_partner_has_no_workspace.py
def test_people_who_do_not_manage_routing_get_403_and_change_nothing(organisation, team, role):
    rule = _rule(organisation, "Everyone", 10, team["olivia"])
    client = _client(team[role])
    before = _state()
    for url, data in [
        (reverse("routing_rule_list"), None),
        (reverse("routing_rule_new"), _form()),
        (reverse("routing_rule_edit", args=[rule.pk]), _form(name="Hijacked")),
        (reverse("routing_rule_edit", args=[rule.pk]), _form(action="preview")),
        (reverse("routing_rule_move", args=[rule.pk]), {"direction": "down"}),
        (reverse("routing_rule_active", args=[rule.pk]), {"active": "0"}),
    ]:
        response = client.post(url, data) if data is not None else client.get(url)
        assert response.status_code == 403, url
    assert _state() == before


def test_another_organisations_rule_is_not_found_and_untouched(organisation, other_organisation, team):
    theirs = _rule(other_organisation, "Theirs", 10)
    before = _state()
    client = _client(team["admin"])
    assert client.get(reverse("routing_rule_edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("routing_rule_edit", args=[theirs.pk]), _form()).status_code == 404
    assert (
        client.post(reverse("routing_rule_move", args=[theirs.pk]), {"direction": "down"}).status_code == 404
    )
    assert client.post(reverse("routing_rule_active", args=[theirs.pk]), {"active": "0"}).status_code == 404
    assert _state() == before


def test_a_post_without_the_csrf_token_is_refused(organisation, team):
    rule = _rule(organisation, "Everyone", 10)
    client = Client(enforce_csrf_checks=True)
    client.force_login(team["admin"])
    before = _state()
    assert client.post(reverse("routing_rule_new"), _form()).status_code == 403
    assert client.post(reverse("routing_rule_active", args=[rule.pk]), {"active": "0"}).status_code == 403
    assert _state() == before


def test_testing_an_edit_against_past_leads_shows_who_would_get_each_and_writes_nothing(
    organisation, team, make_lead
):
    everyone = _rule(organisation, "Everyone", 10, team["olivia"])
    now = timezone.now()
    leads = [
        make_lead(team["olivia"], first_name=f"Borrower{index}", state=state,
                  created_at=now - timedelta(minutes=60 - index))
        for index, state in enumerate(["FL", "TX", "FL", "GA"])
    ]  # fmt: skip
    before = _state()
    owners = [lead.owner_id for lead in leads]
    # The edit (unsaved): Texas leads to Ben, in a new rule above "Everyone"... tried as an edit of "Everyone"
    # that now only takes Texas leads and only Ben.
    response = _client(team["admin"]).post(
        reverse("routing_rule_edit", args=[everyone.pk]),
        _form(
            name="Everyone", states="TX", candidates=[team["ben"].pk], action="preview", preview_leads="200"
        ),
    )
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview["count"] == 4
    by_name = {row.lead.first_name: row for row in preview["rows"]}
    assert by_name["Borrower1"].rule_name == "Everyone" and by_name["Borrower1"].would_get == "Ben"
    assert by_name["Borrower1"].actually_got == "Olivia" and by_name["Borrower1"].changed
    # The others match no rule any more: the built-in round-robin over every eligible officer takes them.
    assert by_name["Borrower0"].rule_name == "default (built-in)"
    assert preview["changed"] >= 1
    assert [row.lead.first_name for row in preview["rows"]][0] == "Borrower3"  # newest first
    html = response.content.decode()
    assert "would go to someone else" in html and "Nothing was saved." in html
    assert _state() == before
    assert [lead.owner_id for lead in type(leads[0]).objects.order_by("pk")] == owners


def test_a_new_rule_is_previewed_after_the_saved_ones_and_a_paused_edit_drops_out(
    organisation, team, make_lead
):
    _rule(organisation, "Florida", 10, team["olivia"], states=["FL"], fall_through=False)
    make_lead(team["olivia"], state="FL")
    make_lead(team["olivia"], state="GA", first_name="Gia")
    rule_set = rule_editing.edited_rule_set(
        organisation,
        rule_editing.engine_rule(
            _values(name="All to Ben"), position=0, candidate_ids=[team["ben"].pk], fallback_ids=[]
        ),  # fmt: skip
        rule_id=None,
        active=True,
    )
    assert [rule.name for rule in rule_set] == ["Florida", "All to Ben"]
    preview = rule_editing.preview_against_past_leads(organisation, rule_set, limit=200)
    assert {row.lead.first_name: (row.rule_name, row.would_get) for row in preview["rows"]} == {
        "Ana": ("Florida", "Olivia"),
        "Gia": ("All to Ben", "Ben"),
    }
    paused = rule_editing.edited_rule_set(organisation, None, rule_id=None, active=False)
    assert [rule.name for rule in paused] == ["Florida"]


def _values(**overrides) -> dict:
    values = {"name": "Rule", "strategy": "round_robin", "states": [], "loan_types": []}
    values.update(overrides)
    return values


# ------------------------------------------------------------------------------------ a branch manager's scope


def test_a_manager_sees_every_rule_but_may_change_only_their_teams(organisation, team):
    _rule(organisation, "Everyone", 10, team["olivia"])
    _rule(organisation, "Tampa first", 20, team["olivia"], team=team["tampa"])
    _rule(organisation, "Atlanta first", 30, team["cara"], team=team["atlanta"])
    response = _client(team["manager"]).get(reverse("routing_rule_list"))
    assert response.status_code == 200
    rules = {rule.name: rule for rule in response.context["rules"]}
    assert {name: rule.editable for name, rule in rules.items()} == {
        "Everyone": False,
        "Tampa first": True,
        "Atlanta first": False,
    }
    html = response.content.decode()
    assert reverse("routing_rule_edit", args=[rules["Tampa first"].pk]) in html
    assert reverse("routing_rule_edit", args=[rules["Atlanta first"].pk]) not in html
    assert reverse("routing_rule_edit", args=[rules["Everyone"].pk]) not in html
    # Admins change everything.
    admin_rules = _client(team["admin"]).get(reverse("routing_rule_list")).context["rules"]
    assert all(rule.editable for rule in admin_rules)


@pytest.mark.parametrize("whose", ["atlanta", "everyone"])
def test_a_manager_gets_403_on_another_teams_or_an_organisation_wide_rule_and_changes_nothing(
    organisation, team, make_lead, whose
):
    make_lead(team["olivia"])
    rule = (
        _rule(organisation, "Atlanta first", 10, team["cara"], team=team["atlanta"])
        if whose == "atlanta"
        else _rule(organisation, "Everyone", 10)
    )
    client = _client(team["manager"])
    before = _state()
    for url, data in [
        (reverse("routing_rule_edit", args=[rule.pk]), None),
        (reverse("routing_rule_edit", args=[rule.pk]), _form(name="Hijacked", team=team["tampa"].pk,
                                                             candidates=[team["olivia"].pk])),
        (reverse("routing_rule_edit", args=[rule.pk]), _form(action="preview")),
        (reverse("routing_rule_move", args=[rule.pk]), {"direction": "down"}),
        (reverse("routing_rule_active", args=[rule.pk]), {"active": "0"}),
    ]:  # fmt: skip
        response = client.post(url, data) if data is not None else client.get(url)
        assert response.status_code == 403, url
    assert _state() == before


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({}, "This field is required."),  # no team: an organisation-wide rule
        ({"team": "atlanta", "candidates": ["cara"]}, "Select a valid choice."),
        ({"team": "tampa", "candidates": ["olivia", "cara"]}, "Select a valid choice."),
        ({"team": "tampa", "candidates": ["olivia"], "fallback_users": ["cara"]}, "Select a valid choice."),
        ({"team": "tampa"}, "Tick the loan officers of Tampa this rule may pick."),
    ],
)
def test_a_manager_cannot_add_an_organisation_wide_rule_or_one_that_picks_outside_their_team(
    organisation, team, overrides, reason
):
    data = _form(**{
        key: [team[name].pk for name in value] if isinstance(value, list) else team[value].pk
        for key, value in overrides.items()
    })  # fmt: skip
    before = _state()
    response = _client(team["manager"]).post(reverse("routing_rule_new"), data)
    assert response.status_code == 422
    assert reason in response.content.decode()
    assert _state() == before


def test_a_manager_adds_a_rule_for_their_team_with_its_loan_officers(organisation, team):
    page = _client(team["manager"]).get(reverse("routing_rule_new"))
    assert list(page.context["form"].fields["team"].queryset) == [team["tampa"]]
    assert set(page.context["form"].fields["candidates"].queryset) == {team["olivia"], team["ben"]}
    response = _client(team["manager"]).post(
        reverse("routing_rule_new"), _form(team=team["tampa"].pk, candidates=[team["ben"].pk])
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.team == team["tampa"] and list(rule.candidates.all()) == [team["ben"]]
    event = AuditEvent.objects.get(action="routing.rule.created")
    assert event.actor == team["manager"] and event.detail["changes"]["team_id"] == [None, team["tampa"].pk]
    # Moving their rule to Atlanta is refused; it stays Tampa's.
    response = _client(team["manager"]).post(
        reverse("routing_rule_edit", args=[rule.pk]),
        _form(team=team["atlanta"].pk, candidates=[team["ben"].pk]),
    )
    assert response.status_code == 422
    rule.refresh_from_db()
    assert rule.team == team["tampa"]


def test_an_admin_scopes_a_rule_to_a_team_but_only_with_that_teams_loan_officers(organisation, team):
    client = _client(team["admin"])
    refused = client.post(
        reverse("routing_rule_new"), _form(team=team["atlanta"].pk, candidates=[team["olivia"].pk])
    )
    assert refused.status_code == 422
    assert "A rule of Atlanta can only pick its own loan officers; not Olivia." in refused.content.decode()
    assert not RoutingRule.objects.exists()
    assert (
        client.post(
            reverse("routing_rule_new"), _form(team=team["atlanta"].pk, candidates=[team["cara"].pk])
        ).status_code
        == 302
    )
    assert RoutingRule.objects.get().team == team["atlanta"]


def test_the_service_refuses_a_manager_outside_their_teams_whoever_calls_it(organisation, team):
    atlanta_rule = _rule(organisation, "Atlanta first", 10, team["cara"], team=team["atlanta"])
    everyone = _rule(organisation, "Everyone", 20)
    before = _state()
    values = {**_values(name="Taken"), "team_id": team["tampa"].pk}
    with pytest.raises(PermissionDenied):
        rule_editing.save_rule(organisation, atlanta_rule, values, candidates=[team["olivia"]],
                               fallback_users=[], actor=team["manager"])  # fmt: skip
    with pytest.raises(PermissionDenied):
        rule_editing.save_rule(organisation, None, {**values, "team_id": None}, candidates=[team["olivia"]],
                               fallback_users=[], actor=team["manager"])  # fmt: skip
    with pytest.raises(PermissionDenied):
        rule_editing.save_rule(organisation, None, values, candidates=[team["cara"]], fallback_users=[],
                               actor=team["manager"])  # fmt: skip
    with pytest.raises(PermissionDenied):
        rule_editing.move_rule(everyone, "up", actor=team["manager"])
    with pytest.raises(PermissionDenied):
        rule_editing.set_rule_active(atlanta_rule, False, actor=team["manager"])
    with pytest.raises(PermissionDenied):
        rule_editing.set_rule_active(everyone, False, actor=team["olivia"])
    assert _state() == before


def test_a_manager_reorders_their_teams_rules_around_the_others_which_keep_their_place(organisation, team):
    first = _rule(organisation, "Tampa A", 10, team["olivia"], team=team["tampa"])
    _rule(organisation, "Everyone", 20)
    _rule(organisation, "Atlanta", 30, team["cara"], team=team["atlanta"])
    _rule(organisation, "Tampa B", 40, team["ben"], team=team["tampa"])
    client = _client(team["manager"])
    page = client.get(reverse("routing_rule_list"))
    flags = {rule.name: (rule.can_move_up, rule.can_move_down) for rule in page.context["rules"]}
    assert flags == {
        "Tampa A": (False, True),
        "Everyone": (False, False),
        "Atlanta": (False, False),
        "Tampa B": (True, False),
    }
    assert (
        client.post(reverse("routing_rule_move", args=[first.pk]), {"direction": "down"}).status_code == 302
    )
    assert [rule.name for rule in rule_editing.live_rules(organisation)] == [
        "Tampa B", "Everyone", "Atlanta", "Tampa A",
    ]  # fmt: skip


def test_a_managers_preview_shows_only_the_leads_they_may_see_and_counts_the_rest(
    organisation, team, make_lead
):
    rule = _rule(organisation, "Tampa first", 10, team["olivia"], team=team["tampa"])
    now = timezone.now()
    make_lead(team["olivia"], first_name="Tess", created_at=now - timedelta(minutes=3))
    make_lead(team["cara"], first_name="Gina", state="GA", created_at=now - timedelta(minutes=2))
    response = _client(team["manager"]).post(
        reverse("routing_rule_edit", args=[rule.pk]),
        _form(name="Tampa first", team=team["tampa"].pk, candidates=[team["ben"].pk], action="preview"),
    )
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [row.lead.first_name for row in preview["rows"]] == ["Tess"]
    assert preview["count"] == 2 and preview["hidden"] == 1
    html = response.content.decode()
    assert "Gina" not in html and "1 of the leads tested is not yours to open" in html


# ---------------------------------------------------------------------------------------- the preview's cost


def _replay_queries(organisation, team, make_lead, count, django_assert_max_num_queries) -> int:
    partner = team["partner"]
    partner.preferred_loan_officer = team["ben"]
    partner.save(update_fields=["preferred_loan_officer"])
    now = timezone.now()
    earlier = make_lead(team["olivia"], first_name="Earlier", created_at=now - timedelta(days=30))
    for index in range(count):
        make_lead(team["olivia"] if index % 2 else team["cara"], first_name=f"Borrower{index}",
                  previous_lead=earlier if index % 3 == 0 else None,
                  referral_partner=partner if index % 4 == 0 else None,
                  created_at=now - timedelta(minutes=count - index))  # fmt: skip
    rule_set = rule_editing.edited_rule_set(organisation, None, rule_id=None, active=False)
    with django_assert_max_num_queries(10) as captured:
        preview = rule_editing.preview_against_past_leads(
            organisation, rule_set, limit=500, viewer=team["manager"]
        )
    assert preview["count"] == count + 1
    return len(captured.captured_queries)


def test_testing_against_past_leads_costs_the_same_few_queries_for_any_number_of_leads(
    organisation, team, make_lead, django_assert_max_num_queries
):
    _rule(organisation, "Everyone", 10, team["olivia"], team["ben"])
    few = _replay_queries(organisation, team, make_lead, 3, django_assert_max_num_queries)
    from firstcall.leads.models import Lead

    Lead.objects.all().delete()
    many = _replay_queries(organisation, team, make_lead, 60, django_assert_max_num_queries)
    assert few == many
