"""The public form carries the lender's NMLS ID, the Equal Housing Opportunity notice and its privacy policy."""

from django.test import Client

from firstcall.leads.sources import create_source


def test_the_public_form_shows_the_lenders_notice_from_settings(organisation):
    organisation.nmls_id = "123456"
    organisation.privacy_policy_url = "https://acme.example.com/privacy"
    organisation.save()
    source, _issued = create_source(organisation, channel="web_form", name="Website form")
    response = Client().get(f"/f/{source.public_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "NMLS ID 123456" in html
    assert "Equal Housing Opportunity" in html
    assert 'href="https://acme.example.com/privacy"' in html


def test_the_organisation_settings_set_the_notice(organisation, admin_user, signed_in):
    from django.urls import reverse

    client = signed_in(admin_user)
    html = client.get(reverse("settings_organisation")).content.decode()
    assert "Company NMLS ID" in html and "Privacy policy address" in html
