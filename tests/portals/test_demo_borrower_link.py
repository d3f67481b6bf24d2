"""`firstcall demo` prints a borrower portal sign-in link for a demo borrower: a real link, single use."""

import pytest
from django.conf import settings

from firstcall.web.demo.portal_links import borrower_sign_in_link
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db


def test_the_demo_link_signs_in_the_borrower_furthest_along_once(client, organisation, owner):
    tampa_borrower(organisation, owner=owner, first_name="Early", email="early@example.com")
    tampa_borrower(
        organisation, first_name="Unassigned", email="nobody@example.com", stage_name="Clear to close"
    )
    furthest = tampa_borrower(organisation, owner=owner, first_name="Uma", stage_name="Underwriting")
    lead, url = borrower_sign_in_link(organisation)
    assert lead == furthest and url.startswith(f"{settings.SITE_URL}/portal/link/")
    path = url.removeprefix(settings.SITE_URL)
    assert client.post(path).status_code == 302
    assert "Hello, Uma" in client.get("/portal/").content.decode()
    assert client.post(path).status_code == 400  # used


def test_no_link_without_an_assigned_borrower(organisation):
    assert borrower_sign_in_link(organisation) is None
