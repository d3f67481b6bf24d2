"""The admin settings pages: org admins only (everyone else gets 403 and changes nothing), every save audited,
role changes in the security log, and the forms refuse what would break routing, SLA or compliance."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from firstcall.accounts import audit
from firstcall.accounts.models import AuditEvent, Organisation, Team, User
from firstcall.leads.models import LeadSource
from firstcall.leads.sources import create_source
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _state() -> dict:
    """What a denied request must leave exactly as it was."""
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "users": list(
            User.objects.order_by("pk").values("pk", "role", "is_active", "licensed_states", "email")
        ),
        "teams": list(Team.objects.order_by("pk").values_list("pk", "name")),
        "sources": list(LeadSource.objects.order_by("pk").values_list("pk", "name", "is_active")),
        "audit": AuditEvent.objects.count(),
    }


def _pages(owner, team, source) -> list[tuple[str, dict]]:
    """Each settings page with a POST that an admin's request would act on."""
    return [
        (reverse("settings_home"), None),  # read-only pages: GET only
        (reverse("settings_users"), None),
        (
            reverse("settings_user_new"),
            {
                "username": "mallory",
                "email": "m@x.test",
                "role": "admin",
                "password": "a-long-enough-passphrase",
                "time_zone": "America/New_York",
                "routing_weight": 1,
                "is_active": "on",
            },
        ),
        (
            reverse("settings_user_edit", args=[owner.pk]),
            {
                "role": "admin",
                "email": owner.email,
                "is_active": "on",
                "time_zone": "America/New_York",
                "routing_weight": 1,
            },
        ),
        (reverse("settings_team_new"), {"name": "Hijacked"}),
        (reverse("settings_team_edit", args=[team.pk]), {"name": "Renamed"}),
        (reverse("settings_sources"), {"name": "Evil source", "channel": "api"}),
        (reverse("settings_source_edit", args=[source.pk]), {"name": "Renamed source", "cost_per_lead": "0"}),
        (
            reverse("settings_sla"),
            {"sla_minutes": 600, "business_mon_open": "00:00", "business_mon_close": "23:59"},
        ),
        (
            reverse("settings_compliance"),
            {
                "default_consent_text": "{org} may call. Reply STOP.",
                "postal_address": "x",
                "help_text": "Reply STOP",
            },
        ),
        (reverse("settings_organisation"), {"name": "Pwned", "time_zone": "UTC"}),
    ]


@pytest.fixture
def world(organisation, other_organisation, owner, manager, team):
    source, _issued = create_source(organisation, channel="web_form", name="Website form")
    return {
        "owner": owner,
        "team": team,
        "source": source,
        "people": {
            "manager": manager,
            "loan officer": owner,
            "processor": make_user(organisation, "pat", role=User.Role.PROCESSOR),
            "partner": make_user(organisation, "rita", role=User.Role.PARTNER),
            "admin of another organisation": make_user(other_organisation, "otto", role=User.Role.ADMIN),
            "superuser without an organisation": User.objects.create(
                username="root", is_superuser=True, is_staff=True, role=User.Role.ADMIN
            ),
        },
    }


@pytest.mark.parametrize(
    "who", ["manager", "loan officer", "processor", "superuser without an organisation"]
)  # partners: tests/web/test_partner_has_no_workspace.py
def test_everyone_but_the_organisations_admins_gets_403_and_changes_nothing(world, who):
    client = Client()
    client.force_login(world["people"][who])
    before = _state()

    for url, data in _pages(world["owner"], world["team"], world["source"]):
        assert client.get(url).status_code == 403, url
        if data is not None:
            assert client.post(url, data).status_code == 403, url

    assert _state() == before


def test_admin_of_another_organisation_cannot_reach_this_ones_people_teams_or_sources(world):
    client = Client()
    client.force_login(world["people"]["admin of another organisation"])
    before = _state()

    for url, data in _pages(world["owner"], world["team"], world["source"]):
        if any(part in url for part in ("/people/", "/teams/", "/sources/")) and url[-2].isdigit():
            assert client.get(url).status_code == 404, url
            assert client.post(url, data).status_code == 404, url

    assert _state() == before


def test_signed_out_visitors_are_sent_to_sign_in(world):
    for url, data in _pages(world["owner"], world["team"], world["source"]):
        response = Client().post(url, data or {})
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url


def test_admin_sees_every_settings_page(world, admin_user, signed_in):
    client = signed_in(admin_user)

    for url, _data in _pages(world["owner"], world["team"], world["source"]):
        assert client.get(url).status_code == 200, url


def _user_form_data(client, person) -> dict:
    form = client.get(reverse("settings_user_edit", args=[person.pk])).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, list):
            data[name] = [str(item.pk if hasattr(item, "pk") else item) for item in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value.strftime("%H:%M") if hasattr(value, "strftime") else value
    return data


def test_changing_a_persons_role_and_teams_is_in_the_security_audit_log(admin_user, owner, team, signed_in):
    other_team = Team.objects.create(organisation=owner.organisation, name="Orlando")
    client = signed_in(admin_user)
    data = _user_form_data(client, owner)
    data.update(role="manager", managed_teams=[str(other_team.pk)])

    response = client.post(reverse("settings_user_edit", args=[owner.pk]), data)

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.role == "manager" and list(owner.managed_teams.all()) == [other_team]
    event = AuditEvent.objects.get(action=audit.USER_ACCESS_CHANGED)
    assert event.actor == admin_user and event.detail["username"] == "olivia"
    assert event.detail["changes"] == {
        "role": ["loan_officer", "manager"],
        "managed_teams": [[], [other_team.pk]],
    }
    assert not AuditEvent.objects.filter(action="settings.user.updated").exists()


def test_loan_officer_licences_languages_hours_and_caps_are_saved_and_audited(admin_user, owner, signed_in):
    client = signed_in(admin_user)
    data = _user_form_data(client, owner)
    data.update(
        licensed_states="fl, ga  tx",
        languages="en, ES",
        loan_types=["fha", "va"],
        daily_lead_cap="12",
        work_mon_open="08:30",
        work_mon_close="17:00",
        work_tue_open="08:30",
        work_tue_close="17:00",
    )

    response = client.post(reverse("settings_user_edit", args=[owner.pk]), data)

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.licensed_states == ["FL", "GA", "TX"] and owner.languages == ["en", "es"]
    assert owner.loan_types == ["fha", "va"] and owner.daily_lead_cap == 12
    assert owner.working_hours == {"mon": ["08:30", "17:00"], "tue": ["08:30", "17:00"]}
    event = AuditEvent.objects.get(action="settings.user.updated")
    assert event.actor == admin_user
    assert event.detail["changes"]["licensed_states"] == [["FL", "GA"], ["FL", "GA", "TX"]]
    assert set(event.detail["changes"]) == {
        "licensed_states",
        "languages",
        "loan_types",
        "daily_lead_cap",
        "working_hours",
    }


def test_unknown_state_code_is_refused_and_nothing_changes(admin_user, owner, signed_in):
    client = signed_in(admin_user)
    data = _user_form_data(client, owner)
    data.update(licensed_states="FL, XX", role="manager")
    before = _state()

    response = client.post(reverse("settings_user_edit", args=[owner.pk]), data)

    assert response.status_code == 422
    assert "Not a US state code: XX" in response.content.decode()
    assert _state() == before


def test_admin_cannot_remove_their_own_admin_access(admin_user, signed_in):
    client = signed_in(admin_user)
    data = _user_form_data(client, admin_user)
    data["role"] = "loan_officer"
    before = _state()

    response = client.post(reverse("settings_user_edit", args=[admin_user.pk]), data)

    assert response.status_code == 422 and _state() == before


def test_admin_adds_a_person_who_can_sign_in_and_the_creation_is_audited(admin_user, team, signed_in):
    response = signed_in(admin_user).post(
        reverse("settings_user_new"),
        {
            "username": "lena",
            "first_name": "Lena",
            "email": "lena@acme.test",
            "role": "loan_officer",
            "is_active": "on",
            "teams": [str(team.pk)],
            "time_zone": "America/Chicago",
            "routing_weight": "2",
            "password": "blue-harbour-lantern-42",
            "licensed_states": "TX",
            "accepts_leads": "on",
        },
    )

    assert response.status_code == 302
    lena = User.objects.get(username="lena")
    assert lena.organisation == admin_user.organisation and lena.check_password("blue-harbour-lantern-42")
    assert list(lena.teams.all()) == [team] and lena.licensed_states == ["TX"]
    event = AuditEvent.objects.get(action=audit.USER_CREATED)
    assert event.actor == admin_user and event.detail["access"]["role"] == "loan_officer"


def test_weak_initial_password_is_refused(admin_user, signed_in):
    response = signed_in(admin_user).post(
        reverse("settings_user_new"),
        {
            "username": "lena",
            "email": "lena@acme.test",
            "role": "loan_officer",
            "is_active": "on",
            "time_zone": "America/Chicago",
            "routing_weight": "1",
            "password": "123",
        },
    )

    assert response.status_code == 422 and not User.objects.filter(username="lena").exists()


def test_admin_cannot_edit_a_person_of_another_organisation(admin_user, outsider, signed_in):
    response = signed_in(admin_user).get(reverse("settings_user_edit", args=[outsider.pk]))

    assert response.status_code == 404


def test_teams_are_created_and_renamed_with_an_audit_entry_each(admin_user, signed_in):
    client = signed_in(admin_user)

    client.post(reverse("settings_team_new"), {"name": "Orlando  branch"})
    team = Team.objects.get(name="Orlando branch")
    client.post(reverse("settings_team_edit", args=[team.pk]), {"name": "Orlando"})
    duplicate = client.post(reverse("settings_team_new"), {"name": "orlando"})

    assert (
        duplicate.status_code == 422
        and Team.objects.filter(organisation=admin_user.organisation).count() == 1
    )
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "settings.team.created",
        "settings.team.renamed",
    ]
    assert AuditEvent.objects.get(action="settings.team.renamed").detail["name"] == [
        "Orlando branch",
        "Orlando",
    ]


def test_response_time_settings_save_hours_holidays_and_the_escalation_ladder(admin_user, signed_in):
    data = {
        "sla_minutes": "10",
        "holiday_country": "us",
        "holiday_subdivision": "fl",
        "step_0_after": "0",
        "step_0_action": "realert",
        "step_1_after": "15",
        "step_1_action": "notify_manager",
    }
    for day in ("mon", "tue", "wed", "thu", "fri"):
        data[f"business_{day}_open"], data[f"business_{day}_close"] = "08:00", "19:00"

    response = signed_in(admin_user).post(reverse("settings_sla"), data)

    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=admin_user.organisation_id)
    assert organisation.sla_minutes == 10
    assert organisation.business_hours == {
        day: ["08:00", "19:00"] for day in ("mon", "tue", "wed", "thu", "fri")
    }
    assert (organisation.holiday_country, organisation.holiday_subdivision) == ("US", "FL")
    assert organisation.sla_escalation == [
        {"after_minutes": 0, "action": "realert"},
        {"after_minutes": 15, "action": "notify_manager"},
    ]
    event = AuditEvent.objects.get(action="settings.sla.updated")
    assert event.actor == admin_user and event.detail["changes"]["sla_minutes"] == [5, 10]


@pytest.mark.parametrize(
    "broken",
    [
        {"business_mon_open": "18:00", "business_mon_close": "09:00"},
        {"business_mon_open": "09:00"},
        {"holiday_country": "ZZ"},
        {"sla_minutes": "0"},
        {"step_0_after": "20", "step_0_action": "realert", "step_1_after": "10", "step_1_action": "reassign"},
    ],
)
def test_broken_response_time_settings_are_refused_and_nothing_changes(admin_user, signed_in, broken):
    data = {
        "sla_minutes": "5",
        "holiday_country": "US",
        "business_tue_open": "09:00",
        "business_tue_close": "17:00",
        **broken,
    }
    before = _state()

    response = signed_in(admin_user).post(reverse("settings_sla"), data)

    assert response.status_code == 422 and _state() == before


def test_consent_text_must_name_the_company_and_explain_opting_out(admin_user, signed_in):
    client = signed_in(admin_user)
    organisation = admin_user.organisation
    base = {
        "postal_address": organisation.postal_address,
        "help_text": organisation.help_text,
        "first_touch_enabled": "on",
    }
    before = _state()

    refused = client.post(
        reverse("settings_compliance"), {**base, "default_consent_text": "You agree to calls."}
    )
    assert refused.status_code == 422 and _state() == before

    saved = client.post(
        reverse("settings_compliance"),
        {
            **base,
            "default_consent_text": (
                "I agree {org} may text and call me about my loan. Reply STOP to opt out."
            ),
        },
    )
    assert saved.status_code == 302
    organisation = Organisation.objects.get(pk=admin_user.organisation_id)
    assert (
        organisation.consent_text()
        == "I agree Acme Home Loans may text and call me about my loan. Reply STOP to opt out."
    )
    event = AuditEvent.objects.get(action="settings.compliance.updated")
    assert list(event.detail["changes"]) == ["default_consent_text"]


def test_sources_page_lists_intake_addresses_and_setup_links(organisation, admin_user, signed_in):
    web_form, _ = create_source(organisation, channel="web_form", name="Website form")
    csv_source, _ = create_source(organisation, channel="csv", name="Broker list")

    content = signed_in(admin_user).get(reverse("settings_sources")).content.decode()

    assert f"<code>/f/{web_form.public_id}/</code>" in content
    assert f'href="/sources/{web_form.pk}/web-form/"' in content
    assert f'href="/sources/{csv_source.pk}/import/"' in content
    assert f'href="/sources/{web_form.pk}/mapping/"' in content


def test_new_api_source_shows_its_key_once_and_is_audited(admin_user, signed_in):
    client = signed_in(admin_user)

    response = client.post(
        reverse("settings_sources"), {"name": "Zillow", "channel": "api", "vendor": "Zillow"}
    )
    later = client.get(reverse("settings_sources"))

    source = LeadSource.objects.get(name="Zillow")
    key = response.context["issued"]["api_key"]
    assert key.startswith("fc_") and key in response.content.decode()
    assert key not in later.content.decode()
    assert AuditEvent.objects.get(action="lead_source.created").actor == admin_user
    assert source.api_keys.get().key_hash != key


def test_editing_a_source_is_audited_with_what_changed(organisation, admin_user, signed_in):
    source, _ = create_source(organisation, channel="vendor_post", name="LendingTree")

    response = signed_in(admin_user).post(
        reverse("settings_source_edit", args=[source.pk]),
        {
            "name": "LendingTree",
            "vendor": "LT",
            "cost_per_lead": "38.50",
            "quality_score": "70",
            "form_title": source.form_title,
            "thank_you_message": source.thank_you_message,
        },
    )

    assert response.status_code == 302
    source.refresh_from_db()
    assert str(source.cost_per_lead) == "38.50" and source.is_active is False
    event = AuditEvent.objects.get(action="lead_source.updated")
    assert event.detail["changes"]["cost_per_lead"] == ["0.00", "38.50"]
    assert event.detail["changes"]["is_active"] == ["True", "False"]


def test_a_source_reads_numbers_without_a_country_code_in_its_own_region(organisation, admin_user, signed_in):
    source, _ = create_source(organisation, channel="vendor_post", name="Toronto partner")
    client = signed_in(admin_user)
    assert 'value="CA"' in client.get(reverse("settings_source_edit", args=[source.pk])).content.decode()

    response = client.post(
        reverse("settings_source_edit", args=[source.pk]),
        {"name": source.name, "form_title": source.form_title, "thank_you_message": source.thank_you_message,
         "is_active": "on", "cost_per_lead": "0", "default_region": "GB"},
    )  # fmt: skip
    source.refresh_from_db()
    assert response.status_code == 302 and source.default_region == "GB"
    assert AuditEvent.objects.get(action="lead_source.updated").detail["changes"]["default_region"] == [
        "US",
        "GB",
    ]

    refused = client.post(
        reverse("settings_source_edit", args=[source.pk]),
        {"name": source.name, "form_title": source.form_title, "cost_per_lead": "0", "default_region": "XX"},
    )
    source.refresh_from_db()
    assert refused.status_code == 422 and source.default_region == "GB"


def test_a_source_can_require_a_consent_certificate_before_automatic_texts(
    organisation, admin_user, signed_in
):
    from firstcall.compliance.services import source_requires_consent_token

    source, _ = create_source(organisation, channel="vendor_post", name="Aggregator")
    client = signed_in(admin_user)
    form = {"name": source.name, "form_title": source.form_title, "cost_per_lead": "0", "is_active": "on"}

    response = client.post(
        reverse("settings_source_edit", args=[source.pk]), {**form, "requires_consent_token": "on"}
    )
    assert response.status_code == 302 and source_requires_consent_token(source.pk)
    event = AuditEvent.objects.get(action="lead_source.updated")
    assert event.detail["changes"]["requires_consent_token"] == ["False", "True"]
    page = client.get(reverse("settings_source_edit", args=[source.pk])).content.decode()
    assert re.search(r'<input[^>]*name="requires_consent_token"[^>]*checked', page)

    client.post(reverse("settings_source_edit", args=[source.pk]), form)
    assert not source_requires_consent_token(source.pk)


def test_organisation_can_require_two_factor_for_everyone(admin_user, signed_in):
    response = signed_in(admin_user).post(
        reverse("settings_organisation"),
        {
            "name": "Acme Home Loans",
            "nmls_id": "1234567",
            "time_zone": "America/New_York",
            "reopen_closed_leads": "on",
            "require_two_factor_for_everyone": "on",
        },
    )

    assert response.status_code == 302
    assert Organisation.objects.get(pk=admin_user.organisation_id).require_two_factor_for_everyone
    event = AuditEvent.objects.get(action="settings.organisation.updated")
    assert event.detail["changes"] == {"require_two_factor_for_everyone": [False, True]}


def test_the_response_time_page_shows_the_default_hours_the_clock_runs_by(
    organisation, admin_user, signed_in
):
    organisation.business_hours = {}
    organisation.save()
    html = signed_in(admin_user).get(reverse("settings_sla")).content.decode()
    assert "These are the default hours the response clock runs by now" in html
    assert html.count('value="09:00"') == 5 and html.count('value="18:00"') == 5
