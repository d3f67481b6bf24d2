"""The reports' settings page: admins only, CSRF-protected, every change in the audit log; revenue, funnel
stages, a source's monthly fee and a manager's digest schedule saved as chosen."""

from datetime import date
from decimal import Decimal

from django.test import Client

from firstcall.accounts.models import AuditEvent
from firstcall.leads.sources import create_source
from firstcall.reports.models import (
    DailyRollup,
    DigestSubscription,
    ReportSettings,
    SourceMonthlyFee,
    StaleDay,
)
from firstcall.reports.services import ReportSettingsWanted, update_report_settings


def form_data(page) -> dict:
    form = page.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.widget.input_type == "checkbox":
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    return data


def test_only_admins_open_it(client, owner, manager):
    for person in (owner, manager):
        client.force_login(person)
        assert client.get("/settings/reports/").status_code == 403
        assert client.post("/settings/reports/", {"revenue_bps": "1"}).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(organisation, admin_user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    assert strict.post("/settings/reports/", {"revenue_bps": "100", "revenue_flat": "0"}).status_code == 403
    assert not ReportSettings.objects.filter(organisation=organisation, revenue_bps=Decimal("100")).exists()


def test_an_admin_saves_every_setting_and_the_audit_log_says_what_changed(
    client, organisation, admin_user, manager
):
    zillow, _ = create_source(organisation, channel="api", name="Zillow")
    DailyRollup.objects.create(organisation=organisation, day=date(2026, 11, 2))
    client.force_login(admin_user)
    page = client.get("/settings/reports/")
    assert page.status_code == 200
    data = form_data(page)
    data.update({
        "revenue_bps": "125", "revenue_flat": "500", "stage_purchase_applied": "Pre-approved",
        f"fee_{zillow.pk}": "300", f"digest_{manager.pk}_active": "on", f"digest_{manager.pk}_weekday": "4",
        f"digest_{manager.pk}_hour": "7",
    })  # fmt: skip
    response = client.post("/settings/reports/", data)
    assert response.status_code == 302, response.context["form"].errors
    chosen = ReportSettings.objects.get(organisation=organisation)
    assert (chosen.revenue_bps, chosen.revenue_flat) == (Decimal("125"), Decimal("500"))
    assert chosen.funnel_stages["purchase"]["applied"] == "Pre-approved"
    assert StaleDay.objects.filter(organisation=organisation, day=date(2026, 11, 2)).exists()
    fee = SourceMonthlyFee.objects.get(source=zillow)
    assert fee.amount == Decimal("300") and fee.month.day == 1
    digest = DigestSubscription.objects.get(user=manager)
    assert (digest.is_active, digest.weekday, digest.hour) == (True, 4, 7)
    event = AuditEvent.objects.get(action="settings.reports.updated")
    assert event.actor == admin_user
    assert event.detail["changes"]["revenue_bps"] == ["0.00", "125"]
    assert "funnel_stages" in event.detail["changes"]
    # Saving again unchanged writes nothing to the log.
    assert client.post("/settings/reports/", form_data(client.get("/settings/reports/"))).status_code == 302
    assert AuditEvent.objects.filter(action="settings.reports.updated").count() == 1


def test_a_negative_revenue_is_refused(client, organisation, admin_user):
    client.force_login(admin_user)
    data = form_data(client.get("/settings/reports/"))
    data["revenue_bps"] = "-5"
    assert client.post("/settings/reports/", data).status_code == 422


def test_opening_the_page_writes_nothing(client, organisation, admin_user):
    client.force_login(admin_user)
    assert client.get("/settings/reports/").status_code == 200
    assert not ReportSettings.objects.filter(organisation=organisation).exists()
    assert not AuditEvent.objects.filter(action="settings.reports.updated").exists()


def test_the_service_saves_and_audits_what_changed_only(organisation, admin_user, manager):
    zillow, _ = create_source(organisation, channel="api", name="Zillow")
    wanted = ReportSettingsWanted(
        revenue_bps=Decimal("100"), revenue_flat=Decimal("0"), month=date(2026, 11, 17),
        funnel_stages={"purchase": {"contacted": "Contacted", "applied": "Application",
                                    "approved": "Clear to close", "funded": ""}},
        fees={zillow.pk: Decimal("250")}, digests={manager.pk: (False, 0, 8)},
    )  # fmt: skip
    changes = update_report_settings(organisation, wanted, actor=admin_user)
    # The stages asked for are the defaults and the manager had no digest: neither is a change.
    assert changes == {"revenue_bps": ["0.00", "100"], "fee Zillow 2026-11": ["", "250"]}
    assert SourceMonthlyFee.objects.get(source=zillow).month == date(2026, 11, 1)
    assert not DigestSubscription.objects.filter(user=manager).exists()
    assert not StaleDay.objects.filter(organisation=organisation).exists()
    event = AuditEvent.objects.get(action="settings.reports.updated")
    assert (event.actor, event.detail["changes"]) == (admin_user, changes)
    assert update_report_settings(organisation, wanted, actor=admin_user) == {}
    assert AuditEvent.objects.filter(action="settings.reports.updated").count() == 1
