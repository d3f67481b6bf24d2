"""The Django side of the instant assessment: POST /api/v1/assessments and the lead page's panel."""

import datetime as dt
import json
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from eligibility_scenarios import make_scenario

from firstcall.accounts.models import ApiKey, User
from firstcall.accounts.services import create_api_key
from firstcall.eligibility.engine import RULE_SET_VERSION, ScenarioError, assess
from firstcall.eligibility.models import Assessment, LenderOverlay
from firstcall.eligibility.scenario_from_lead import lead_scenario, scenario_from_lead
from firstcall.leads.models import Lead, LeadScore, Pipeline
from firstcall.leads.stages import first_stage
from tests.conftest import make_user

TODAY = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
HTMX = {"HX-Request": "true"}
PROGRAMS = ["conventional", "fha", "va", "usda", "jumbo"]


@pytest.fixture(autouse=True)
def _known_day():
    with time_machine.travel(TODAY, tick=False):
        yield


def make_lead(organisation, **fields) -> Lead:
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    values = {
        "first_name": "Ana", "last_name": "Lopez", "email": "ana.lopez@example.com", "phone": "+18135550199",
        "zip_code": "33602", "state": "FL", "purpose": "purchase", "property_type": "single_family",
        "property_use": "primary", "purchase_price": Decimal("400000"), "down_payment": Decimal("80000"),
        "credit_score_low": 760, "credit_score_high": 760, "credit_band": "excellent",
        "annual_income": Decimal("180000"), "monthly_debts": Decimal("500"), "first_time_buyer": True,
        "veteran": False,
    }  # fmt: skip
    values.update(fields)
    return Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), **values
    )


@pytest.fixture
def lead(organisation, owner):
    return make_lead(organisation, owner=owner)


@pytest.fixture
def fha_overlay(organisation):
    return LenderOverlay.objects.create(
        organisation=organisation,
        name="Acme credit policy",
        version="3",
        source="Acme policy memo 2026-01",
        programs={"fha": {"min_credit_score": 620}},
    )


def api_key(organisation, scopes=(ApiKey.SCOPE_ASSESSMENTS,)) -> str:
    _, raw = create_api_key(organisation, name="Pricing tool", scopes=list(scopes))
    return raw


def post_assessment(client, body, key=None, query=""):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = {"X-Api-Key": key} if key else {}
    return client.post(
        f"/api/v1/assessments{query}", data=data, content_type="application/json", headers=headers
    )


def what_if(**changes) -> dict:
    """The what-if form as the panel fills it for the `lead` fixture, plus the housing costs it lacks."""
    data = {
        "as_of": "2026-03-02", "purpose": "purchase", "occupancy": "primary",
        "property_type": "single_family",
        "units": "1", "zip": "33602", "state": "FL", "purchase_price": "400000.00", "property_value": "",
        "down_payment": "80000.00", "loan_amount": "", "credit_score": "760", "monthly_income": "15000.00",
        "monthly_debts": "500.00", "monthly_taxes": "400", "monthly_insurance": "150", "monthly_hoa": "0",
        "interest_rate": "6.5", "term_months": "360", "first_time_buyer": "yes", "veteran_eligible": "no",
        "veteran_first_use": "yes", "veteran_funding_fee_exempt": "no", "household_size": "3",
        "reserves_months": "12", "usda_rural_eligible": "no", "event_1_type": "", "event_1_date": "",
        "event_2_type": "", "event_2_date": "",
    }  # fmt: skip
    data.update(changes)
    return data


def card(response, program: str) -> dict:
    return next(entry for entry in response.context["cards"] if entry["program"] == program)


def statuses(response) -> dict:
    return {entry["program"]: entry["status"] for entry in response.context["cards"]}


class Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls: dict[str, dict] = {}
        self.label_targets: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and attributes.get("id"):
            self.controls[attributes["id"]] = {"tag": tag, **attributes}
        elif tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])


def controls(response) -> Controls:
    parser = Controls()
    parser.feed(response.content.decode())
    return parser


# --- POST /api/v1/assessments -----------------------------------------------------------------------------


def test_api_returns_exactly_the_engines_assessment_and_stores_nothing_without_a_lead(client, organisation):
    scenario = make_scenario()
    response = post_assessment(client, scenario, api_key(organisation))
    assert response.status_code == 200
    assert response.json() == assess(scenario, remedies=True)
    assert [program["program"] for program in response.json()["programs"]] == PROGRAMS
    assert not Assessment.objects.exists()


def test_api_with_lead_id_stores_the_assessment_with_rule_set_and_overlay_versions(
    client, organisation, lead, fha_overlay
):
    scenario = make_scenario()
    response = post_assessment(client, scenario, api_key(organisation), query=f"?lead_id={lead.pk}")
    assert response.status_code == 200
    body = response.json()
    stored = Assessment.objects.get()
    assert body.pop("assessment_id") == stored.pk
    assert body == stored.result
    assert (stored.lead, stored.organisation, stored.created_by) == (lead, organisation, None)
    assert stored.scenario == scenario
    assert stored.rule_set_version == RULE_SET_VERSION == body["rule_set_version"]
    assert stored.overlay_versions == ["Acme credit policy@3"]
    assert stored.best_status == "eligible"


def test_unknown_program_is_422_with_the_engines_error_json_and_nothing_stored(client, organisation, lead):
    scenario = make_scenario(programs=["fha", "heloc"])
    response = post_assessment(client, scenario, api_key(organisation), query=f"?lead_id={lead.pk}")
    assert response.status_code == 422
    with pytest.raises(ScenarioError) as raised:
        assess(scenario)
    assert response.json() == raised.value.as_json()
    assert response.json()["error"] == "invalid scenario"
    assert "heloc" in response.json()["fields"]["programs"]
    assert not Assessment.objects.exists()


def test_api_answers_what_would_make_an_ineligible_program_work(client, organisation):
    scenario = make_scenario(programs=["fha"], down_payment="5000")
    fha = post_assessment(client, scenario, api_key(organisation)).json()["programs"][0]

    assert fha["status"] == "ineligible"
    assert fha["what_would_make_it_work"][0]["status_after"] == "eligible"


def test_bad_values_are_422_naming_each_field_and_nothing_is_stored(client, organisation, lead):
    scenario = make_scenario(purpose="heloc", purchase_price="-1", credit_score=900)
    response = post_assessment(client, scenario, api_key(organisation), query=f"?lead_id={lead.pk}")

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid scenario"
    assert set(body["fields"]) == {"purpose", "purchase_price", "credit_score"}
    assert not Assessment.objects.exists()


def test_malformed_json_is_400_and_stores_nothing(client, organisation, lead):
    response = post_assessment(
        client, '{"purpose": "purchase",', api_key(organisation), query=f"?lead_id={lead.pk}"
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("Malformed JSON")
    assert post_assessment(client, "[1, 2]", api_key(organisation)).status_code == 400
    assert not Assessment.objects.exists()


def test_key_without_the_assessments_scope_is_403_and_stores_nothing(client, organisation, lead):
    key = api_key(organisation, scopes=[ApiKey.SCOPE_LEADS_CREATE])
    response = post_assessment(client, make_scenario(), key, query=f"?lead_id={lead.pk}")
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_no_key_and_no_session_is_401(client):
    assert post_assessment(client, make_scenario()).status_code == 401


def test_another_organisations_lead_is_404_and_nothing_is_stored(
    client, organisation, other_organisation, outsider, teammate, lead
):
    foreign_key = api_key(other_organisation)
    assert (
        post_assessment(client, make_scenario(), foreign_key, query=f"?lead_id={lead.pk}").status_code == 404
    )
    client.force_login(outsider)
    assert post_assessment(client, make_scenario(), query=f"?lead_id={lead.pk}").status_code == 404
    client.force_login(teammate)  # same organisation, but another officer's lead
    assert post_assessment(client, make_scenario(), query=f"?lead_id={lead.pk}").status_code == 404
    assert not Assessment.objects.exists()


def test_session_user_stores_an_assessment_on_their_own_lead_as_themselves(client, owner, lead):
    client.force_login(owner)
    response = post_assessment(client, make_scenario(), query=f"?lead_id={lead.pk}")
    assert response.status_code == 200
    assert Assessment.objects.get().created_by == owner


def test_organisations_overlay_makes_a_600_fha_scenario_ineligible_and_is_named(
    client, organisation, other_organisation, fha_overlay
):
    scenario = make_scenario(credit_score=600, programs=["fha"])
    fha = post_assessment(client, scenario, api_key(organisation)).json()["programs"][0]
    assert fha["status"] == "ineligible"
    overlay_check = next(check for check in fha["checks"] if check["rule"] == "overlay.fha.min_credit_score")
    assert overlay_check == {
        "rule": "overlay.fha.min_credit_score",
        "passed": False,
        "outcome": "fail",
        "message": "Acme credit policy (overlay v3): FHA minimum credit score 620; borrower has 600.",
        "source": "Acme policy memo 2026-01",
        "citation": "Acme policy memo 2026-01",
    }
    # The overlay is Acme's: the same scenario from another lender is agency rules only.
    other = post_assessment(client, scenario, api_key(other_organisation)).json()["programs"][0]
    assert other["status"] == "eligible"
    assert not any(check["rule"].startswith("overlay.") for check in other["checks"])


def test_saved_assessments_of_a_lead_are_listed_newest_first(client, organisation, lead):
    key = api_key(organisation)
    post_assessment(client, make_scenario(credit_score=600), key, query=f"?lead_id={lead.pk}")
    post_assessment(client, make_scenario(), key, query=f"?lead_id={lead.pk}")
    listed = client.get(f"/api/v1/leads/{lead.pk}/assessments", headers={"X-Api-Key": key}).json()
    stored = list(Assessment.objects.filter(lead=lead).order_by("-created_at", "-id"))
    assert [item["id"] for item in listed] == [item.pk for item in stored]
    assert all(item["rule_set_version"] == RULE_SET_VERSION for item in listed)


# --- scenario_from_lead ---------------------------------------------------------------------------------


def test_scenario_from_lead_maps_the_lead_and_labels_the_assumed_rate(organisation, lead):
    built = lead_scenario(lead)
    assert built.scenario == {
        "as_of": "2026-03-02", "purpose": "purchase", "occupancy": "primary",
        "property_type": "single_family",
        "units": 1, "state": "FL", "zip": "33602", "purchase_price": "400000.00", "down_payment": "80000.00",
        "credit_score": 760, "monthly_income": "15000.00", "monthly_debts": "500.00",
        "first_time_buyer": True,
        "veteran": {"eligible": False}, "interest_rate": 6.5, "term_months": 360,
    }  # fmt: skip
    assert [assumption.field for assumption in built.assumptions] == ["interest_rate", "term_months"]
    assert "6.50% is an assumed rate" in built.assumptions[0].message


def test_scenario_from_lead_uses_the_band_floor_and_asks_for_units_and_veteran_details(organisation):
    lead = make_lead(
        organisation, credit_score_low=660, credit_score_high=699, credit_band="good", veteran=True,
        property_type="multi_family", annual_income=Decimal("100000"),
    )  # fmt: skip
    built = lead_scenario(lead)
    assert built.scenario["credit_score"] == 660
    assert "units" not in built.scenario  # 2, 3 or 4 units changes the limits: the engine asks
    assert built.scenario["monthly_income"] == "8333.33"
    assert built.scenario["veteran"] == {"eligible": True, "first_use": True, "funding_fee_exempt": False}
    messages = {assumption.field: assumption.message for assumption in built.assumptions}
    assert "floor of the lead's “good” band (660–699)" in messages["credit_score"]
    assert "first use of the VA benefit" in messages["veteran"]
    result = assess(built.scenario)
    units_checks = [c for p in result["programs"] for c in p["checks"] if c["rule"] == "input.missing.units"]
    assert len(units_checks) == 5 and all(not check["passed"] for check in units_checks)


def test_overrides_replace_and_remove_fields_and_drop_the_assumption_they_replace(organisation, lead):
    built = lead_scenario(lead, {"interest_rate": 7.125, "credit_score": None})
    assert built.scenario["interest_rate"] == 7.125 and "credit_score" not in built.scenario
    assert [assumption.field for assumption in built.assumptions] == ["term_months"]
    assert scenario_from_lead(lead, {"as_of": "2026-01-15"})["as_of"] == "2026-01-15"


# --- The lead page's assessment panel ---------------------------------------------------------------------


def test_panel_shows_the_leads_assessment_to_its_owner_with_missing_fields_as_refer(client, owner, lead):
    client.force_login(owner)
    response = client.get(f"/leads/{lead.pk}/assessment/", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="lead-assessment"' in html  # the partial alone, for htmx to swap in
    # Taxes and insurance are not on a lead: every program that needs them is referred, with the field named.
    assert statuses(response) == {
        "conventional": "refer", "fha": "refer", "va": "ineligible", "usda": "refer", "jumbo": "ineligible",
    }  # fmt: skip
    assert "monthly_taxes is missing; the housing payment needs it (give 0 if none)" in html
    assert "monthly_insurance is missing; the housing payment needs it" in html
    assert "Interest rate 6.50% is an assumed rate, not a quote" in html
    assert set(response.context["needed"]) >= {"monthly_taxes", "monthly_insurance", "household_size"}
    page = controls(response)
    assert page.controls["whatif_purchase_price"]["value"] == "400000.00"
    assert page.controls["whatif_credit_score"]["value"] == "760"
    assert page.controls["whatif_monthly_income"]["value"] == "15000.00"
    visible = [name for name, attrs in page.controls.items() if attrs.get("type") != "hidden"]
    assert sorted(set(visible) - page.label_targets) == []
    assert f"Rule set <strong>{RULE_SET_VERSION}</strong>" in html
    assert not Assessment.objects.exists()


def test_panel_without_htmx_is_a_whole_page_that_links_back_to_the_lead(client, owner, lead):
    client.force_login(owner)
    response = client.get(f"/leads/{lead.pk}/assessment/")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and 'id="lead-assessment"' in html
    assert f'href="/leads/{lead.pk}/"' in html


def test_panel_is_404_for_an_outsider_and_another_officer_403_for_a_partner_and_saves_nothing(
    client, organisation, lead, outsider, teammate
):
    partner = make_user(organisation, "pat", role=User.Role.PARTNER)
    Lead.objects.filter(pk=lead.pk).update(referral_partner=partner)
    for user in (outsider, teammate):
        client.force_login(user)
        assert client.get(f"/leads/{lead.pk}/assessment/", headers=HTMX).status_code == 404
        assert client.post(f"/leads/{lead.pk}/assessment/", what_if(), headers=HTMX).status_code == 404
        assert client.post(f"/leads/{lead.pk}/assessment/save/", what_if(), headers=HTMX).status_code == 404
    for ask in (
        lambda: client.get(f"/leads/{lead.pk}/assessment/", headers=HTMX),
        lambda: client.post(f"/leads/{lead.pk}/assessment/", what_if(), headers=HTMX),
        lambda: client.post(f"/leads/{lead.pk}/assessment/save/", what_if(), headers=HTMX),
    ):
        client.force_login(partner)  # a partner's Django session ends on its first request
        assert ask().status_code == 403
    assert not Assessment.objects.exists()
    assert not LeadScore.objects.exists()


def test_signed_out_visitor_is_sent_to_sign_in(client, lead):
    response = client.get(f"/leads/{lead.pk}/assessment/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_what_if_post_changes_the_result_without_saving(client, owner, lead):
    client.force_login(owner)
    before = client.get(f"/leads/{lead.pk}/assessment/", headers=HTMX)
    after = client.post(f"/leads/{lead.pk}/assessment/", what_if(), headers=HTMX)
    assert after.status_code == 200
    assert statuses(before)["conventional"] == "refer"
    assert statuses(after) == {
        "conventional": "eligible", "fha": "eligible", "va": "ineligible", "usda": "ineligible",
        "jumbo": "ineligible",
    }  # fmt: skip
    assert card(after, "conventional")["payment_total"] == "$2,572.62"
    lower_score = client.post(f"/leads/{lead.pk}/assessment/", what_if(credit_score="600"), headers=HTMX)
    assert statuses(lower_score)["conventional"] == "refer"  # below 620: DU decides, a person must look
    assert not Assessment.objects.exists()
    assert not LeadScore.objects.exists()
    assert Lead.objects.get(pk=lead.pk).credit_score_low == 760  # a what-if never edits the lead


def test_what_if_form_errors_are_shown_on_their_fields_and_nothing_runs(client, owner, lead):
    client.force_login(owner)
    response = client.post(
        f"/leads/{lead.pk}/assessment/",
        what_if(purchase_price="lots", event_1_type="foreclosure"),
        headers=HTMX,
    )
    assert response.status_code == 200 and response.context["cards"] == []
    price = controls(response).controls["whatif_purchase_price"]
    assert price["aria-invalid"] == "true" and "whatif_purchase_price_error" in price["aria-describedby"]
    html = response.content.decode()
    assert 'id="whatif_purchase_price_error"' in html and "is not an amount of money" in html
    assert "Give the date of the event." in html


def test_overlay_is_applied_on_the_panel_and_its_suggestion_applies_in_one_click(
    client, owner, lead, fha_overlay
):
    client.force_login(owner)
    response = client.post(f"/leads/{lead.pk}/assessment/", what_if(credit_score="600"), headers=HTMX)
    fha = card(response, "fha")
    assert fha["status"] == "ineligible"
    assert fha["failed_checks"][0]["message"] == (
        "Acme credit policy (overlay v3): FHA minimum credit score 620; borrower has 600."
    )
    html = response.content.decode()
    assert "Acme credit policy@3" in html  # the overlay in force is named next to the rule set
    assert 'name="apply" value="credit_score=620"' in html
    applied = client.post(
        f"/leads/{lead.pk}/assessment/",
        {**what_if(credit_score="600"), "apply": "credit_score=620"},
        headers=HTMX,
    )
    assert controls(applied).controls["whatif_credit_score"]["value"] == "620"
    assert card(applied, "fha")["status"] == "eligible"
    assert not Assessment.objects.exists()


def test_applying_a_down_payment_suggestion_clears_the_loan_amount(client, owner, lead):
    client.force_login(owner)
    data = {**what_if(down_payment="", loan_amount="390000"), "apply": "down_payment=14000.00"}
    response = client.post(f"/leads/{lead.pk}/assessment/", data, headers=HTMX)
    page = controls(response)
    assert page.controls["whatif_down_payment"]["value"] == "14000.00"
    assert page.controls["whatif_loan_amount"].get("value", "") == ""


def test_estimate_button_fills_blank_taxes_and_insurance_and_labels_them(client, owner, lead):
    client.force_login(owner)
    data = {**what_if(monthly_taxes="", monthly_insurance=""), "estimate_escrow": "1"}
    response = client.post(f"/leads/{lead.pk}/assessment/", data, headers=HTMX)
    page = controls(response)
    assert page.controls["whatif_monthly_taxes"]["value"] == "366.67"  # 1.10% of $400,000 a year / 12
    assert page.controls["whatif_monthly_insurance"]["value"] == "166.67"  # 0.50% a year / 12
    html = response.content.decode()
    assert "Property taxes estimated at 1.10% of $400,000 a year" in html
    estimated = what_if(monthly_taxes="366.67", monthly_insurance="166.67")
    rerun = client.post(f"/leads/{lead.pk}/assessment/", estimated, headers=HTMX)
    assert "Property taxes estimated at 1.10%" in rerun.content.decode()  # still labelled on a re-run


def test_save_stores_one_assessment_with_its_versions_and_rescores_the_lead(client, owner, lead, fha_overlay):
    client.force_login(owner)
    response = client.post(f"/leads/{lead.pk}/assessment/save/", what_if(), headers=HTMX)
    assert response.status_code == 200
    stored = Assessment.objects.get()
    assert (stored.lead, stored.created_by, stored.organisation) == (lead, owner, lead.organisation)
    assert stored.rule_set_version == RULE_SET_VERSION
    assert stored.overlay_versions == ["Acme credit policy@3"]
    assert stored.best_status == "eligible"
    assert stored.scenario["monthly_taxes"] == "400.00" and stored.scenario["credit_score"] == 760
    assert stored.result == assess(stored.scenario, overlays=[fha_overlay.as_engine_dict()])
    html = response.content.decode()
    assert f"Saved assessment #{stored.pk} with rule set {RULE_SET_VERSION}" in html
    assert f"<td>{owner}</td>" in html  # the saved row names who saved it
    rescored = LeadScore.objects.get(lead=lead, trigger="assessment")
    assert {"factor": "program_status", "detail": "best program eligible"}.items() <= next(
        reason for reason in rescored.reasons if reason["factor"] == "program_status"
    ).items()
    assert Lead.objects.get(pk=lead.pk).score == rescored.points


def test_saved_assessments_are_listed_with_rule_version_overlays_date_and_who(
    client, owner, lead, fha_overlay
):
    client.force_login(owner)
    client.post(f"/leads/{lead.pk}/assessment/save/", what_if(), headers=HTMX)
    response = client.get(f"/leads/{lead.pk}/assessment/", headers=HTMX)
    saved = list(response.context["saved_assessments"])
    assert len(saved) == 1
    html = response.content.decode()
    # Saved at 15:00 UTC; Olivia reads it in her own zone (New York, EST on March 2).
    assert '<time datetime="2026-03-02T15:00:00+00:00">Mar 2, 10:00 AM EST</time>' in html
    assert "Acme credit policy@3" in html and str(owner) in html
    assert "conventional eligible, fha eligible" in html


def test_panel_leaves_frame_protection_on(client, owner, lead):
    client.force_login(owner)
    assert client.get(f"/leads/{lead.pk}/assessment/", headers=HTMX)["X-Frame-Options"] == "DENY"


def test_a_broken_overlay_is_reported_on_the_panel_instead_of_failing(client, owner, lead, organisation):
    LenderOverlay.objects.create(organisation=organisation, name="Typo policy", source="memo",
                                 programs={"fha": {"min_credit_scor": 620}})  # fmt: skip
    client.force_login(owner)
    response = client.get(f"/leads/{lead.pk}/assessment/", headers=HTMX)
    assert response.status_code == 200 and response.context["cards"] == []
    assert "The assessment could not run:" in response.content.decode()
    assert "min_credit_scor" in response.content.decode()
    saved = client.post(f"/leads/{lead.pk}/assessment/save/", what_if(), headers=HTMX)
    assert saved.status_code == 200 and not Assessment.objects.exists()


def test_applying_a_maximum_price_keeps_the_same_cash_down_when_the_loan_amount_was_given(
    client, owner, lead
):
    client.force_login(owner)
    data = {**what_if(down_payment="", loan_amount="320000"), "apply": "purchase_price=350000.00"}
    page = controls(client.post(f"/leads/{lead.pk}/assessment/", data, headers=HTMX))
    assert page.controls["whatif_purchase_price"]["value"] == "350000.00"
    assert page.controls["whatif_down_payment"]["value"] == "80000.00"  # $400,000 - $320,000, kept
    assert page.controls["whatif_loan_amount"].get("value", "") == ""
