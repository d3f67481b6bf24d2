"""The hosted and embeddable web form: /f/<source>/, its embed script and thank-you page."""

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils.html import escape, escapejs

from firstcall.intake.services import replay_intake
from firstcall.intake.web_form.fields import LEAD_FIELD_NAMES
from firstcall.intake.web_form.views import REASON_BAD_TOKEN, REASON_RATE_LIMITED
from firstcall.leads.models import Consent, IntakeRecord, Lead
from firstcall.leads.sources import create_source

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
EMBEDDING_PAGE = "https://acme-loans.test/apply?utm_source=google"


@pytest.fixture
def web_source(organisation):
    source, _ = create_source(organisation, channel="web_form", name="Website form")
    return source


class FormPage(HTMLParser):
    """Collects what a browser (or screen reader) would see of the form: controls, labels, legends."""

    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_targets: set[str] = set()
        self.legends = 0
        self.fieldsets = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea"):
            self.controls.append({"tag": tag, **attributes})
        elif tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])
        elif tag == "legend":
            self.legends += 1
        elif tag == "fieldset":
            self.fieldsets += 1

    def hidden_values(self) -> dict:
        return {c["name"]: c.get("value", "") for c in self.controls if c.get("type") == "hidden"}

    def control(self, name: str, value: str | None = None) -> dict:
        return next(
            c for c in self.controls if c.get("name") == name and (value is None or c.get("value") == value)
        )


def read_form(response) -> FormPage:
    page = FormPage()
    page.feed(response.content.decode())
    return page


def open_form(client, source, **query) -> dict:
    """GET the form like a browser and return the hidden fields it must send back."""
    response = client.get(f"/f/{source.public_id}/", query, headers={"User-Agent": BROWSER})
    assert response.status_code == 200
    return read_form(response).hidden_values()


def send_form(client, source, data: dict, ip: str = "198.51.100.23", **headers):
    return client.post(
        f"/f/{source.public_id}/",
        data=urlencode(data),
        content_type="application/x-www-form-urlencoded",
        headers={"User-Agent": BROWSER, **headers},
        REMOTE_ADDR=ip,
    )


def purchase_answers(**changes) -> dict:
    answers = {
        "first_name": "ana", "last_name": "LOPEZ", "phone": "(813) 555-0199",
        "email": "Ana.Lopez@Example.com",
        "zip": "33602", "preferred_language": "es", "purpose": "purchase", "loan_type": "fha",
        "property_type": "condo", "property_use": "primary", "timeframe": "30_days",
        "purchase_price": "$350,000", "down_payment": "12,250", "property_value": "", "loan_balance": "",
        "credit_band": "good", "first_time_buyer": "yes", "veteran": "no", "has_real_estate_agent": "yes",
        "notes": "Evenings are best", "website": "",
    }  # fmt: skip
    answers.update(changes)
    return answers


def test_form_shows_every_scenario_field_with_a_label_and_the_disclosure_beside_an_unticked_box(
    client, web_source
):
    response = client.get(f"/f/{web_source.public_id}/")
    assert response.status_code == 200
    page = read_form(response)
    names = {control.get("name") for control in page.controls}
    assert set(LEAD_FIELD_NAMES) <= names
    visible = [c for c in page.controls if c.get("type") != "hidden"]
    unlabelled = [c.get("name") for c in visible if c.get("id") not in page.label_targets]
    assert unlabelled == []
    assert page.fieldsets == page.legends >= 8  # every section and radio group is named
    consent_box = page.control("consent")
    assert consent_box["type"] == "checkbox" and "checked" not in consent_box
    disclosure = web_source.effective_consent_text()
    assert "Acme Home Loans" in disclosure
    assert f'<label for="id_consent">{escape(disclosure)}</label>' in response.content.decode()
    assert page.hidden_values()["consent_text"] == disclosure
    assert page.hidden_values()["page_url"] == f"http://testserver/f/{web_source.public_id}/"
    assert [c.get("value") for c in page.controls if c.get("name") == "purpose"] == [
        "purchase", "rate_term_refinance", "cash_out_refinance", "heloc",
    ]  # fmt: skip


def test_consenting_submission_creates_the_lead_with_proof_of_the_exact_disclosure(client, web_source):
    hidden = open_form(client, web_source, embed="1", page_url=EMBEDDING_PAGE, utm_source="google",
                       utm_campaign="fha-tampa")  # fmt: skip
    response = send_form(client, web_source, {**hidden, **purchase_answers(), "consent": "yes"})
    assert response.status_code == 303
    assert response["Location"] == f"/f/{web_source.public_id}/thanks/?embed=1"

    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.phone, lead.email) == (
        "Ana", "Lopez", "+18135550199", "ana.lopez@example.com",
    )  # fmt: skip
    assert (lead.state, lead.purpose, lead.loan_type, lead.credit_band) == ("FL", "purchase", "fha", "good")
    assert str(lead.purchase_price) == "350000.00" and str(lead.down_payment) == "12250.00"
    assert lead.first_time_buyer is True and lead.veteran is False and lead.has_real_estate_agent is True
    assert lead.preferred_language == "es" and lead.notes == "Evenings are best"
    assert lead.utm == {"utm_source": "google", "utm_campaign": "fha-tampa"}
    assert lead.source == web_source
    assert (lead.consent_sms, lead.consent_email, lead.consent_calls) == (True, True, True)
    consents = Consent.objects.filter(lead=lead)
    assert sorted(c.channel for c in consents) == ["calls", "email", "sms"]
    for consent in consents:
        assert consent.disclosure_text == web_source.effective_consent_text()
        assert consent.ip_address == "198.51.100.23"
        assert consent.user_agent == BROWSER
        assert consent.page_url == EMBEDDING_PAGE
    record = IntakeRecord.objects.get()
    assert (
        record.channel == "web_form" and record.status == IntakeRecord.Status.ACCEPTED and record.lead == lead
    )
    assert record.unknown_fields == {}


def test_unticked_consent_still_creates_the_lead_but_records_no_consent(client, web_source):
    hidden = open_form(client, web_source)
    response = send_form(client, web_source, {**hidden, **purchase_answers()})
    assert response.status_code == 303
    lead = Lead.objects.get()
    assert not Consent.objects.exists()
    assert (lead.consent_sms, lead.consent_email, lead.consent_calls) == (False, False, False)


def test_posted_disclosure_that_differs_from_the_rendered_one_records_no_consent(client, web_source):
    hidden = open_form(client, web_source)
    hidden["consent_text"] = "I agree to nothing in particular."
    send_form(client, web_source, {**hidden, **purchase_answers(), "consent": "yes"})
    assert Lead.objects.count() == 1
    assert not Consent.objects.exists()
    assert IntakeRecord.objects.get().unknown_fields == {
        "consent": "ticked, but the disclosure text is not the one this form showed"
    }


def test_field_errors_show_beside_the_fields_with_the_typed_values_escaped(client, web_source):
    hidden = open_form(client, web_source)
    # Without a phone, a bad email leaves the borrower unreachable: the form asks again.
    answers = purchase_answers(
        first_name="<script>alert(1)</script>", email="not-an-email", phone="", zip="1"
    )
    response = send_form(client, web_source, {**hidden, **answers, "consent": "yes"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    page = read_form(response)
    email = page.control("email")
    assert email["aria-invalid"] == "true" and "id_email_error" in email["aria-describedby"]
    assert "autofocus" in email  # the first field in error takes the focus, no script needed
    assert "autofocus" not in page.control("zip")
    assert 'id="id_email_error"' in html and 'href="#id_email"' in html  # message and summary link
    assert page.control("zip")["value"] == "1"
    assert "checked" in page.control("consent")  # ticked next to the same wording: kept ticked
    assert not Lead.objects.exists()
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED and set(record.field_errors) == {"email"}


def test_filled_honeypot_shows_the_normal_thank_you_but_creates_nothing(client, web_source):
    hidden = open_form(client, web_source)
    response = send_form(
        client, web_source, {**hidden, **purchase_answers(website="http://cheap-pills.test")}
    )
    assert response.status_code == 303 and response["Location"] == f"/f/{web_source.public_id}/thanks/"
    assert not Lead.objects.exists()
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED and record.reasons == ["honeypot"]


def test_forged_token_asks_to_submit_again_keeps_the_answers_and_the_record(client, web_source):
    hidden = open_form(client, web_source)
    hidden["form_token"] = hidden["form_token"][:-4] + "AAAA"
    response = send_form(client, web_source, {**hidden, **purchase_answers()})
    assert response.status_code == 200
    assert "please check them and send the form again" in response.content.decode()
    assert read_form(response).control("last_name")["value"] == "LOPEZ"
    assert not Lead.objects.exists()
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED and record.reasons == [REASON_BAD_TOKEN]


def test_expired_token_is_refused_and_a_fresh_one_is_accepted(client, web_source):
    start = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        hidden = open_form(client, web_source)
    with time_machine.travel(start + dt.timedelta(hours=2, minutes=1), tick=False):
        refused = send_form(client, web_source, {**hidden, **purchase_answers()})
        assert refused.status_code == 200 and not Lead.objects.exists()
        fresh = read_form(refused).hidden_values()
        accepted = send_form(client, web_source, {**fresh, **purchase_answers()})
    assert accepted.status_code == 303
    assert Lead.objects.count() == 1
    assert list(IntakeRecord.objects.order_by("pk").values_list("status", flat=True)) == [
        "rejected",
        "accepted",
    ]


def test_token_of_another_form_is_refused(client, web_source, organisation):
    other, _ = create_source(organisation, channel="web_form", name="Landing page")
    hidden = open_form(client, other)
    response = send_form(client, web_source, {**hidden, **purchase_answers()})
    assert response.status_code == 200 and not Lead.objects.exists()
    assert IntakeRecord.objects.get().reasons == [REASON_BAD_TOKEN]


# The limit counts posts per clock minute: start just after a minute begins, so the three posts share one.
@time_machine.travel(dt.datetime(2026, 3, 10, 15, 0, 5, tzinfo=dt.UTC), tick=True)
def test_posts_over_the_per_address_limit_get_429_and_are_kept(client, web_source, settings):
    settings.FORM_RATE_LIMIT_PER_MINUTE = 2
    hidden = open_form(client, web_source)
    statuses = [
        send_form(client, web_source, {**hidden, **purchase_answers(email=f"ana{n}@example.com")}).status_code
        for n in range(3)
    ]
    assert statuses == [303, 303, 429]
    other_address = send_form(client, web_source, {**hidden, **purchase_answers()}, ip="203.0.113.50")
    assert other_address.status_code == 303
    assert IntakeRecord.objects.count() == 4
    limited = IntakeRecord.objects.get(status=IntakeRecord.Status.REJECTED)
    assert limited.reasons == [REASON_RATE_LIMITED] and limited.remote_ip == "198.51.100.23"


def test_refinance_answers_work_without_javascript_and_a_stray_purchase_price_is_kept_aside(
    client, web_source
):
    hidden = open_form(client, web_source)
    answers = purchase_answers(
        purpose="cash_out_refinance", property_value="420k", loan_balance="$210,500", purchase_price="300000",
        down_payment="", first_time_buyer="",
    )  # fmt: skip
    response = send_form(client, web_source, {**hidden, **answers})
    assert response.status_code == 303
    lead = Lead.objects.get()
    assert lead.purpose == "cash_out_refinance"
    assert str(lead.property_value) == "420000.00" and str(lead.loan_balance) == "210500.00"
    assert lead.purchase_price is None
    assert IntakeRecord.objects.get().unknown_fields == {"purchase_price": "300000"}


def test_embed_script_is_javascript_and_only_the_form_pages_may_be_framed(client, web_source, admin_user):
    script = client.get(f"/f/{web_source.public_id}/embed.js")
    assert script.status_code == 200
    assert script["Content-Type"] == "text/javascript; charset=utf-8"
    body = script.content.decode()
    assert 'script.src ? new URL(script.src, window.location.href).origin : "http://testserver"' in body
    assert f'var formUrl = formOrigin + "{escapejs(f"/f/{web_source.public_id}/")}"' in body
    assert "postMessage" not in body and 'addEventListener("message"' in body

    assert "X-Frame-Options" not in client.get(f"/f/{web_source.public_id}/")
    assert "X-Frame-Options" not in client.get(f"/f/{web_source.public_id}/thanks/")
    client.force_login(admin_user)
    share = client.get(f"/sources/{web_source.pk}/web-form/")
    assert share.status_code == 200 and share["X-Frame-Options"] == "DENY"
    assert escape(f'<script src="http://testserver/f/{web_source.public_id}/embed.js" async></script>') in (
        share.content.decode()
    )
    assert (
        escape(f'<iframe src="http://testserver/f/{web_source.public_id}/?embed=1"') in share.content.decode()
    )
    assert client.get("/intake/")["X-Frame-Options"] == "DENY"


def test_share_screen_is_for_admins_only(client, web_source, owner):
    client.force_login(owner)
    assert client.get(f"/sources/{web_source.pk}/web-form/").status_code == 403


def test_plain_iframe_records_the_embedding_page_from_the_referer(client, web_source):
    response = client.get(
        f"/f/{web_source.public_id}/", {"embed": "1"}, headers={"Referer": "https://partner.test/"}
    )
    assert read_form(response).hidden_values()["page_url"] == "https://partner.test/"


def test_thank_you_page_names_the_next_step(client, web_source, settings):
    settings.SMS_FROM_NUMBER = "+18135550100"
    web_source.thank_you_message = "Thanks! Ana from Acme will be in touch."
    web_source.save()
    response = client.get(f"/f/{web_source.public_id}/thanks/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Thanks! Ana from Acme will be in touch." in html
    assert "A licensed loan officer at Acme Home Loans" in html and "text you from +18135550100" in html


def test_paused_form_is_404_and_its_posts_are_kept_but_create_nothing(client, web_source):
    hidden = open_form(client, web_source)
    web_source.is_active = False
    web_source.save()
    assert client.get(f"/f/{web_source.public_id}/").status_code == 404
    assert client.get(f"/f/{web_source.public_id}/embed.js").status_code == 404
    response = send_form(client, web_source, {**hidden, **purchase_answers()})
    assert response.status_code == 404
    assert not Lead.objects.exists()
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED and record.source == web_source


def test_post_to_an_unknown_form_is_kept_without_a_source(client, web_source):
    response = client.post(
        "/f/999999/", data="first_name=Ana", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 404
    record = IntakeRecord.objects.get()
    assert record.source is None and record.status == IntakeRecord.Status.REJECTED


def test_oversize_post_is_413_and_kept_truncated(client, web_source, settings):
    settings.INTAKE_MAX_BODY_BYTES = 2048
    hidden = open_form(client, web_source)
    response = send_form(client, web_source, {**hidden, **purchase_answers(notes="x" * 5000)})
    assert response.status_code == 413
    record = IntakeRecord.objects.get()
    assert record.is_body_truncated and record.status == IntakeRecord.Status.REJECTED
    assert not Lead.objects.exists()


def test_refused_submission_can_be_replayed_into_a_lead_with_its_consent(client, web_source):
    """Nothing lost: a borrower whose form sat open too long is still a lead after an admin's replay, with the
    consent they gave to the wording the form showed (the token is old but authentic)."""
    start = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        hidden = open_form(client, web_source)
    with time_machine.travel(start + dt.timedelta(hours=5), tick=False):
        send_form(client, web_source, {**hidden, **purchase_answers(), "consent": "yes"})
        record = IntakeRecord.objects.get()
        assert record.status == IntakeRecord.Status.REJECTED
        result = replay_intake(record)
    assert result.outcome == "created"
    assert sorted(Consent.objects.filter(lead=result.lead).values_list("channel", flat=True)) == [
        "calls", "email", "sms",
    ]  # fmt: skip
    assert Consent.objects.first().disclosure_text == web_source.effective_consent_text()


def test_nul_characters_in_extra_fields_and_page_url_do_not_lose_the_lead(client, web_source):
    hidden = open_form(client, web_source)
    hidden["page_url"] = "https://acme-loans.test/\x00apply"
    response = send_form(
        client, web_source, {**hidden, **purchase_answers(), "consent": "yes", "x\x00": "a\x00b"}
    )
    assert response.status_code == 303
    record = IntakeRecord.objects.get()
    assert record.unknown_fields == {"x": "ab"}
    assert Consent.objects.first().page_url == "https://acme-loans.test/apply"


def test_a_post_with_thousands_of_fields_is_refused_and_kept(client, web_source):
    body = "&".join(f"f{n}=1" for n in range(1500))
    response = client.post(
        f"/f/{web_source.public_id}/", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED and not Lead.objects.exists()
