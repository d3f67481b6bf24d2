"""An admin exports a lead's compliance history as CSV and PDF; nobody else can."""

import csv
import io

import pdfplumber
import time_machine

from firstcall.compliance import services as compliance
from firstcall.flows import loan_officer_calls as calls
from firstcall.leads.models import Consent
from tests.outside_services import eastern
from tests.outside_services import tampa_borrower as make_lead

NIGHT = eastern(2026, 3, 10, 21, 30)


@time_machine.travel(NIGHT, tick=False)
def test_admin_exports_consent_and_decisions_as_csv_and_pdf(organisation, owner, admin_user, client):
    lead = make_lead(organisation, owner=owner, consent_calls=True)
    Consent.objects.create(lead=lead, channel="calls", is_granted=True, address=lead.phone,
                           disclosure_text="I agree to calls.", ip_address="203.0.113.7")  # fmt: skip
    calls.check_call(lead, actor=owner)
    compliance.record_partner_sharing(lead, ["credit"], is_granted=True, how="application checkbox")
    client.force_login(admin_user)

    response = client.get(f"/compliance/leads/{lead.pk}/history.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0][:5] == ["when (UTC)", "record", "channel", "address", "outcome"]
    records = {row[1]: row for row in table[1:]}
    assert records["consent"][4] == "given" and "IP: 203.0.113.7" in records["consent"][6]
    held = records["manual click_to_call"]
    assert held[4] == "hold until 2026-03-11 12:00:00" and "window.federal@2026-12-07" in held[5]
    assert records["partner sharing"][4] == "authorised"

    response = client.get(f"/compliance/leads/{lead.pk}/history.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert f"Compliance history: lead {lead.pk}" in text and "window.federal" in text


def test_loan_officer_cannot_export(organisation, owner, client):
    lead = make_lead(organisation, owner=owner)
    client.force_login(owner)
    assert client.get(f"/compliance/leads/{lead.pk}/history.csv").status_code == 404
    assert client.get(f"/compliance/leads/{lead.pk}/history.pdf").status_code == 404


def test_admin_of_another_organisation_cannot_export(organisation, owner, other_organisation, client):
    from tests.conftest import make_user

    lead = make_lead(organisation, owner=owner)
    stranger = make_user(other_organisation, "stranger", role="admin")
    client.force_login(stranger)
    assert client.get(f"/compliance/leads/{lead.pk}/history.csv").status_code == 404
