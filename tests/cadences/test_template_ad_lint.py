"""Message templates are checked against Regulation Z's advertising rules when they are saved, in the editor and
over the API: a trigger term (12 CFR 1026.24(d)(1)) without the disclosures of (d)(2) is refused with the reason,
and nothing is saved. The same lint runs again at send time."""

import json

import pytest
from cadence_helpers import build_cadence, sms

from firstcall.accounts.services import create_api_key
from firstcall.cadences import editing
from firstcall.cadences.models import Cadence, MessageTemplate

TRIGGER_TEXT = "Buy with only 3.5% down! Payments as low as $1,250/mo. Reply STOP to opt out."
DISCLOSED_TEXT = (
    "Buy with 3.5% down. 30-year fixed: 360 payments of $1,796.18 at 6.5% interest, 6.782% APR. "
    "Reply STOP to opt out."
)


@pytest.fixture
def builder_key(organisation):
    return create_api_key(organisation, name="Marketing ops", scopes=["cadences"])[1]


def send_json(client, method, url, data, key):
    return getattr(client, method)(
        url, json.dumps(data), content_type="application/json", headers={"X-Api-Key": key}
    )


def test_the_editor_refuses_a_trigger_term_without_disclosures(client, manager):
    client.force_login(manager)
    form = {"name": "Spring promo", "channel": "sms", "language": "en", "subject": "", "body": TRIGGER_TEXT}
    response = client.post("/cadences/templates/new/", form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "down payment (&quot;3.5% down&quot;)" in page and "12 CFR 1026.24(d)(2)" in page
    assert "the &quot;annual percentage rate&quot; (APR), using that term" in page
    assert not MessageTemplate.objects.exists()

    response = client.post("/cadences/templates/new/", {**form, "body": DISCLOSED_TEXT})
    assert response.status_code == 302
    saved = MessageTemplate.objects.get()
    assert saved.body == DISCLOSED_TEXT


def test_editing_a_saved_template_to_add_a_trigger_term_is_refused(client, manager, organisation):
    template = editing.save_template(
        organisation,
        name="Hello",
        channel="sms",
        language="en",
        subject="",
        body="Hi! Reply STOP to opt out.",
    )
    client.force_login(manager)
    response = client.post(
        f"/cadences/templates/{template.pk}/",
        {
            "name": "Hello",
            "channel": "sms",
            "language": "en",
            "subject": "",
            "body": "No money down! Reply STOP.",
        },
    )
    assert response.status_code == 200 and "no money down" in response.content.decode().lower()
    template.refresh_from_db()
    assert template.body == "Hi! Reply STOP to opt out."


def test_the_api_refuses_a_trigger_term_on_create_and_on_change(client, builder_key, organisation):
    payload = {"name": "Spring promo", "channel": "email", "subject": "Rates", "body": TRIGGER_TEXT}
    refused = send_json(client, "post", "/api/v1/message-templates", payload, builder_key)
    assert refused.status_code == 422
    assert 'down payment ("3.5% down")' in refused.json()["detail"]
    assert "12 CFR 1026.24(d)(2)" in refused.json()["detail"]
    assert not MessageTemplate.objects.exists()

    created = send_json(
        client, "post", "/api/v1/message-templates", {**payload, "body": DISCLOSED_TEXT}, builder_key
    )
    assert created.status_code == 201
    template_id = created.json()["id"]
    assert created.json()["body"] == DISCLOSED_TEXT

    changed = send_json(
        client,
        "put",
        f"/api/v1/message-templates/{template_id}",
        {**payload, "body": "Rates from 5.9%! Reply STOP."},
        builder_key,
    )
    assert changed.status_code == 422
    assert 'a rate is stated without the "annual percentage rate"' in changed.json()["detail"]
    assert MessageTemplate.objects.get(pk=template_id).body == DISCLOSED_TEXT


def test_the_api_cannot_change_another_organisations_template(client, other_organisation, organisation):
    theirs = editing.save_template(
        other_organisation, name="Theirs", channel="sms", language="en", subject="", body="Hi. Reply STOP."
    )
    key = create_api_key(organisation, name="Ops", scopes=["cadences"])[1]
    response = send_json(
        client,
        "put",
        f"/api/v1/message-templates/{theirs.pk}",
        {"name": "Mine now", "channel": "sms", "body": "Hi. Reply STOP."},
        key,
    )
    assert response.status_code == 404
    assert MessageTemplate.objects.get(pk=theirs.pk).name == "Theirs"


def test_a_cadence_text_written_in_a_step_is_checked_when_published(organisation):
    cadence = build_cadence(organisation, [sms(TRIGGER_TEXT)], publish=False)
    with pytest.raises(editing.EditRefused, match=r"Step 1: states down payment"):
        editing.publish(cadence)
    assert Cadence.objects.get(pk=cadence.pk).current_version is None
