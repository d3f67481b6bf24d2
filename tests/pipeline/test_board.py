"""The pipeline board: columns with counts and loan volume, cards, filters, live refresh, moves by drag and
drop (fetch, JSON) and by the keyboard form (plain POST), and who may move what."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from workspace_helpers import make_lead, make_new_lead, snapshot, stage_named

from firstcall.accounts.models import Team, User
from firstcall.leads.models import Pipeline
from firstcall.pipeline.board import board_columns, money_compact, workspace_leads
from tests.conftest import make_user

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}


def board_url(kind="purchase", **params):
    url = reverse("pipeline_board", kwargs={"kind": kind})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else "")


def column_text(html: str, stage_name: str) -> str:
    match = re.search(r'data-stage-name="' + re.escape(stage_name) + r'".*?</section>', html, flags=re.DOTALL)
    assert match, stage_name
    return match.group(0)


def test_columns_show_count_and_loan_volume_per_stage(client, organisation, owner):
    make_lead(organisation, owner=owner, purchase_price=Decimal("400000"), down_payment=Decimal("80000"))
    make_lead(organisation, owner=owner, purchase_price=Decimal("250000.50"), down_payment=None)
    make_lead(organisation, owner=owner, stage="Qualified")
    make_lead(organisation, owner=owner, kind="refinance")  # another board
    client.force_login(owner)

    response = client.get(board_url())

    assert response.status_code == 200
    html = response.content.decode()
    new = column_text(html, "New")
    assert "2 leads" in new
    assert 'title="$570,001"' in new  # 320,000 + 250,000.50, rounded half up for display
    assert "$570k" in new
    assert "1 lead<" in column_text(html, "Qualified")
    assert "0 leads" in column_text(html, "Processing")


def test_volume_is_decimal_and_uses_the_balance_for_refinances(organisation, owner):
    make_lead(organisation, owner=owner, kind="refinance", loan_balance=Decimal("210000.10"))
    make_lead(organisation, owner=owner, kind="refinance", loan_balance=Decimal("0.15"))
    pipeline = Pipeline.objects.get(organisation=organisation, kind="refinance")
    leads = workspace_leads(owner).filter(pipeline=pipeline)

    columns = board_columns(leads, list(pipeline.stages.order_by("position")))

    assert columns[0].count == 2
    assert columns[0].volume == Decimal("210000.25")
    assert isinstance(columns[0].volume, Decimal)


def test_money_compact_rounds_half_up():
    assert money_compact(Decimal("12450")) == "$12.5k"
    assert money_compact(Decimal("3250000")) == "$3.3M"
    assert money_compact(Decimal("999")) == "$999"
    assert money_compact(None) == "$0"


def test_a_loan_officer_sees_only_their_own_and_shared_cards(client, organisation, owner, teammate):
    mine = make_lead(organisation, owner=owner, first_name="Mine")
    theirs = make_lead(organisation, owner=teammate, first_name="Theirs")
    shared = make_lead(organisation, owner=teammate, first_name="Shared")
    shared.shared_with.add(owner)
    client.force_login(owner)

    html = client.get(board_url()).content.decode()

    assert f'id="card-{mine.pk}"' in html
    assert f'id="card-{shared.pk}"' in html
    assert f'id="card-{theirs.pk}"' not in html
    assert "2 leads" in column_text(html, "New")
    # Shared with them, not theirs: visible but without a move menu.
    assert f'id="move-{mine.pk}"' in html
    assert f'id="move-{shared.pk}"' not in html


def test_a_lead_owned_and_shared_with_the_same_manager_counts_once(client, organisation, manager):
    lead = make_lead(organisation, owner=manager)
    lead.shared_with.add(manager)
    client.force_login(manager)

    html = client.get(board_url()).content.decode()

    assert "1 lead<" in column_text(html, "New")
    assert html.count(f'id="card-{lead.pk}"') == 1


def test_filters_narrow_the_board(client, organisation, owner, teammate, manager):
    other_team = Team.objects.create(organisation=organisation, name="Orlando")
    orlando = make_user(organisation, "oliver")
    orlando.teams.add(other_team)
    manager.managed_teams.add(other_team)
    hot_fha = make_lead(organisation, owner=owner, score_tier="hot", loan_type="fha", first_name="Hotfha")
    make_lead(organisation, owner=owner, score_tier="cold", loan_type="fha", first_name="Coldfha")
    make_lead(organisation, owner=teammate, score_tier="hot", loan_type="va", first_name="Hotva")
    orlando_lead = make_lead(organisation, owner=orlando, first_name="Orlandolead")
    old = make_lead(organisation, owner=owner, first_name="Oldlead")
    old.created_at = timezone.now() - timedelta(days=40)
    old.save()
    client.force_login(manager)

    def names(**params):
        html = client.get(board_url(**params)).content.decode()
        return set(re.findall(r'class="card-name"[^>]*>([^<]+)<', html))

    assert names(score_tier="hot", loan_type="fha") == {f"Hotfha {hot_fha.last_name}"}
    assert names(owner=teammate.pk) == {n for n in names() if n.startswith("Hotva")}
    assert names(team=other_team.pk) == {f"Orlandolead {orlando_lead.last_name}"}
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert not any(name.startswith("Oldlead") for name in names(created_from=since))
    assert any(name.startswith("Oldlead") for name in names(created_to=since))
    # An invalid filter value is ignored, not an error.
    assert client.get(board_url(owner="not-a-person")).status_code == 200


def test_board_of_an_unknown_pipeline_is_404(client, owner):
    client.force_login(owner)
    assert client.get(board_url("boats")).status_code == 404
    assert client.get(reverse("pipeline_board_home")).url == board_url("purchase")


def test_a_column_shows_the_last_added_cards_and_links_to_the_rest(client, organisation, owner):
    from firstcall.pipeline import board

    for number in range(board.CARDS_PER_STAGE + 3):
        make_lead(organisation, owner=owner, first_name=f"P{number}")
    client.force_login(owner)

    html = column_text(client.get(board_url()).content.decode(), "New")

    assert html.count('class="card-name"') == board.CARDS_PER_STAGE
    assert html.index(">P27 ") < html.index(">P26 ")
    assert ">P2 " not in html and ">P3 " in html
    assert "3 more in the list" in html


def test_live_refresh_answers_204_until_something_changes(client, organisation, owner):
    lead = make_lead(organisation, owner=owner)
    client.force_login(owner)
    html = client.get(board_url()).content.decode()
    version = re.search(r'data-version="([0-9a-f]+)"', html).group(1)
    live = reverse("pipeline_board_live", kwargs={"kind": "purchase"})

    assert client.get(live, {"version": version}).status_code == 204

    make_lead(organisation, owner=owner, first_name="Newcomer")  # a lead arrives
    response = client.get(live, {"version": version})
    assert response.status_code == 200
    assert "Newcomer" in response.content.decode()
    version = re.search(r'data-version="([0-9a-f]+)"', response.content.decode()).group(1)

    client.post(
        reverse("lead_move_stage", args=[lead.pk]), {"stage": stage_named(organisation, "Contacted").pk}
    )
    assert client.get(live, {"version": version}).status_code == 200  # a lead moved


def test_live_refresh_follows_the_filters(client, organisation, owner):
    make_lead(organisation, owner=owner, score_tier="hot")
    client.force_login(owner)
    html = client.get(board_url(score_tier="hot")).content.decode()
    version = re.search(r'data-version="([0-9a-f]+)"', html).group(1)
    assert "score_tier=hot&amp;version=" in html
    live = reverse("pipeline_board_live", kwargs={"kind": "purchase"})

    make_lead(organisation, owner=owner, score_tier="cold")  # not on this filtered board

    assert client.get(live, {"version": version, "score_tier": "hot"}).status_code == 204


def test_drag_and_drop_move_answers_json(client, organisation, owner):
    lead = make_lead(organisation, owner=owner)
    contacted = stage_named(organisation, "Contacted")
    client.force_login(owner)

    response = client.post(reverse("lead_move_stage", args=[lead.pk]), {"stage": contacted.pk}, **FETCH)

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "moved": True,
        "stage": contacted.pk,
        "message": f"{lead.full_name} moved to Contacted.",
    }
    lead.refresh_from_db()
    assert lead.stage == contacted


def test_keyboard_form_move_redirects_back_to_the_filtered_board(client, organisation, owner):
    lead = make_lead(organisation, owner=owner)
    client.force_login(owner)
    back = board_url(score_tier="hot")

    response = client.post(
        reverse("lead_move_stage", args=[lead.pk]),
        {"stage": stage_named(organisation, "Qualified").pk, "next": back},
    )

    assert response.status_code == 302
    assert response.url == back
    lead.refresh_from_db()
    assert lead.stage.name == "Qualified"


def test_an_offsite_next_is_ignored(client, organisation, owner):
    lead = make_lead(organisation, owner=owner)
    client.force_login(owner)

    response = client.post(
        reverse("lead_move_stage", args=[lead.pk]),
        {"stage": stage_named(organisation, "Qualified").pk, "next": "https://evil.example/"},
    )

    assert response.url == board_url()


def test_moving_to_lost_without_a_reason_asks_for_one_and_changes_nothing(client, organisation, owner):
    lead = make_lead(organisation, owner=owner, stage="Qualified")
    lost = stage_named(organisation, "Lost")
    client.force_login(owner)
    before = snapshot(lead)

    as_json = client.post(reverse("lead_move_stage", args=[lead.pk]), {"stage": lost.pk}, **FETCH)
    as_form = client.post(reverse("lead_move_stage", args=[lead.pk]), {"stage": lost.pk})

    assert as_json.status_code == 400
    assert as_json.json() == {"ok": False, "error": "Say why the lead was lost.", "field": "lost_reason"}
    assert as_form.status_code == 400
    assert b'id="id_lost_reason"' in as_form.content and b'aria-invalid="true"' in as_form.content
    assert snapshot(lead) == before

    client.post(
        reverse("lead_move_stage", args=[lead.pk]), {"stage": lost.pk, "lost_reason": "Just shopping"}
    )
    lead.refresh_from_db()
    assert (lead.stage, lead.lost_reason) == (lost, "Just shopping")


@pytest.mark.parametrize("role", ["teammate", "shared_officer", "processor", "partner"])
def test_denied_moves_change_nothing(role, client, organisation, owner, teammate):
    processor = make_user(organisation, "pat", role=User.Role.PROCESSOR)
    partner = make_user(organisation, "paula", role=User.Role.PARTNER)
    shared_officer = make_user(organisation, "sam")
    lead = make_lead(organisation, owner=owner, processor=processor, referral_partner=partner)
    lead.shared_with.add(shared_officer)
    actor = {
        "teammate": teammate,
        "shared_officer": shared_officer,
        "processor": processor,
        "partner": partner,
    }
    client.force_login(actor[role])
    before = snapshot(lead)

    response = client.post(
        reverse("lead_move_stage", args=[lead.pk]),
        {"stage": stage_named(organisation, "Contacted").pk},
        **FETCH,
    )

    # A lead the person cannot see is not found; one they see but may not move is forbidden; a partner has no
    # workspace at all (refused before any view runs).
    assert response.status_code == (404 if role == "teammate" else 403)
    if response.status_code == 403 and role != "partner":
        assert response.json() == {"ok": False, "error": "You may not move this lead.", "field": ""}
    assert snapshot(lead) == before


def test_a_stage_of_another_pipeline_or_organisation_is_rejected(
    client, organisation, other_organisation, owner
):
    lead = make_lead(organisation, owner=owner)
    client.force_login(owner)
    before = snapshot(lead)

    for stage in (
        stage_named(organisation, "Contacted", kind="heloc"),
        stage_named(other_organisation, "Contacted"),
    ):
        response = client.post(reverse("lead_move_stage", args=[lead.pk]), {"stage": stage.pk}, **FETCH)
        assert response.status_code == 400
    assert snapshot(lead) == before


def test_move_needs_post_and_csrf(organisation, owner):
    from django.test import Client

    lead = make_lead(organisation, owner=owner)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    before = snapshot(lead)

    assert client.get(reverse("lead_move_stage", args=[lead.pk])).status_code == 405
    response = client.post(
        reverse("lead_move_stage", args=[lead.pk]), {"stage": stage_named(organisation, "Lost").pk}
    )
    assert response.status_code == 403
    assert snapshot(lead) == before


def test_cards_show_name_loan_type_amount_tier_owner_and_sla(client, organisation, owner):
    lead = make_new_lead(
        organisation, owner=owner, score_tier="hot", first_name="Bruno", last_name="Carvalho"
    )
    overdue = make_new_lead(organisation, owner=owner, minutes_left=-12)
    client.force_login(owner)

    html = client.get(board_url()).content.decode()

    card = re.search(rf'id="card-{lead.pk}".*?</li>', html, flags=re.DOTALL).group(0)
    assert "Bruno Carvalho" in card
    assert "FHA · $337,750 · FL" in card
    assert 'class="tier tier-hot">hot<' in card
    assert "Olivia" in card
    assert re.search(r'class="clock clock-due" data-countdown="\d+">[34] min left<', card)
    late = re.search(rf'id="card-{overdue.pk}".*?</li>', html, flags=re.DOTALL).group(0)
    assert re.search(r"Overdue by 1[12] min", late)


def test_anonymous_people_are_sent_to_sign_in(client, organisation):
    response = client.get(board_url())
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.parametrize("role", ["loan_officer", "manager", "admin"])
def test_the_board_runs_the_same_number_of_queries_for_5_or_50_leads(role, client, organisation, owner, manager,
                                                                     admin_user):  # fmt: skip
    viewer = {"loan_officer": owner, "manager": manager, "admin": admin_user}[role]
    shared = make_user(organisation, "sam")

    def count_queries() -> int:
        client.force_login(viewer)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(board_url()).status_code == 200
            assert client.get(reverse("pipeline_board_live", kwargs={"kind": "purchase"})).status_code == 200
        return len(queries)

    stages = ["New", "Contacted", "Qualified", "Lost", "Closed"]
    for index in range(5):
        lead = make_lead(organisation, owner=owner, stage=stages[index % 5], score_tier="hot")
        lead.shared_with.add(shared)
    few = count_queries()
    for index in range(45):
        lead = make_lead(organisation, owner=owner if index % 3 else None, stage=stages[index % 5])
        lead.shared_with.add(shared)
    many = count_queries()

    assert few == many
    assert many <= 40  # two requests: a page and a live refresh, one query per stage each
