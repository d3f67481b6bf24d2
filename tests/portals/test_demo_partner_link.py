"""`firstcall demo` prints a partner portal sign-in link for the demo partner, whose borrower shares milestones
and holds a pre-approval letter, and a link to that borrower's own portal."""

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command

from firstcall.accounts.models import Organisation, User
from firstcall.leads.stages import ensure_default_pipelines
from firstcall.portals import partners
from firstcall.portals.models import PreApprovalLetter, SharingAuthorisation
from tests.conftest import make_user
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_org(db):
    organisation = Organisation.objects.create(
        name="Demo Home Loans",
        slug="demo-home-loans",
        nmls_id="1999999",
        postal_address="100 Demo Plaza, Tampa",
    )
    ensure_default_pipelines(organisation)
    return organisation


def test_demo_prints_a_partner_link_that_shows_milestones_and_a_letter(client, demo_org):
    officer = make_user(demo_org, "olivia", nmls_id="2010450", first_name="Olivia")
    rita = make_user(demo_org, "partner", role=User.Role.PARTNER, email="rita@realty.example", first_name="Rita",
                     last_name="Alvarez")  # fmt: skip
    tampa_borrower(
        demo_org, owner=officer, referral_partner=rita, first_name="Early", email="early@example.com"
    )
    uma = tampa_borrower(demo_org, owner=officer, referral_partner=rita, first_name="Uma", email="uma@example.com",
                         stage_name="Application")  # fmt: skip
    out = io.StringIO()
    call_command("demo", no_serve=True, host="127.0.0.1", port=8000, stdout=out)
    printed = out.getvalue()
    assert "Partner portal, signed in as the demo partner Rita Alvarez" in printed
    assert "Uma Lopez shares milestones with Rita" in printed
    partner_path = re.search(rf"{re.escape(settings.SITE_URL)}(/portal/link/\S+/)\n  \(works once", printed.split("Partner portal")[1]).group(1)  # fmt: skip
    assert client.post(partner_path).status_code == 302
    html = client.get("/portal/").content.decode()
    assert "Uma L." in html and '<li class="reached">✓ Application in' in html
    letter = PreApprovalLetter.objects.get(lead=uma)
    assert f"/portal/partner/borrowers/{uma.pk}/letters/{letter.pk}/" in html
    assert partners.is_shared(uma, rita)

    # Running the demo again issues no second letter and records no second authorisation.
    call_command("demo", no_serve=True, host="127.0.0.1", port=8000, stdout=io.StringIO())
    assert PreApprovalLetter.objects.filter(lead=uma).count() == 1
    assert SharingAuthorisation.objects.filter(lead=uma).count() == 1
