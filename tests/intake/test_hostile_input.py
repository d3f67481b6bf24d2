"""Hostile input through the JSON API: every request is kept as an intake record, nothing crashes, nothing
malicious is stored in a harmful form or rendered unescaped, and every refusal says why.

Runs on SQLite and PostgreSQL (PostgreSQL refuses NUL characters in text and jsonb, SQLite does not, so the
NUL cases matter most there)."""

import json

import pytest

from firstcall.leads.models import Consent, IdempotencyKey, Inquiry, IntakeRecord, Lead


def post(client, body, key, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/api/v1/leads", data=data, content_type=content_type, headers={"X-Api-Key": key})


def borrower(**fields):
    base = {"first_name": "Ana", "last_name": "Lopez", "phone": "(813) 555-0199", "zip": "33602"}
    base.update(fields)
    return base


def only_record() -> IntakeRecord:
    return IntakeRecord.objects.get()


def assert_nothing_captured():
    assert Lead.objects.count() == 0
    assert Inquiry.objects.count() == 0
    assert Consent.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


def assert_rejected_with_reason(record: IntakeRecord, reason_fragment: str = ""):
    assert record.status == IntakeRecord.Status.REJECTED
    assert record.reasons, "a rejected record must say why"
    assert record.processed_at is not None
    if reason_fragment:
        assert reason_fragment in " ".join(record.reasons)


def nested(depth: int, leaf="x") -> dict:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


# --- structure ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 30_000 + "]" * 30_000,
        json.dumps(borrower(extra=nested(40))),
        json.dumps(borrower(utm=nested(25))),
        '{"a":' * 5_000 + "1" + "}" * 5_000,
    ],
    ids=["30k-deep-array", "deep-unknown-field", "deep-utm", "5k-deep-object"],
)
def test_deeply_nested_json_is_refused_with_a_reason_and_kept(client, api_source, body):
    response = post(client, body, api_source.raw_api_key)

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    record = only_record()
    assert_rejected_with_reason(record, "nested")
    assert record.body == body[: len(record.body)] and record.body_size == len(body.encode())
    assert_nothing_captured()


def test_moderately_nested_unknown_field_is_kept_on_the_record(client, api_source):
    response = post(client, borrower(vendor_meta=nested(5, leaf="deep")), api_source.raw_api_key)

    assert response.status_code == 201
    assert only_record().unknown_fields == {"vendor_meta": nested(5, leaf="deep")}


@pytest.mark.parametrize(
    "field, value, error_field",
    [("first_name", ["Ana"], "first_name"), ("phone", {"number": "8135550199"}, "phone")],
)
def test_wrong_json_types_in_what_reaches_the_borrower_are_field_errors(
    client, api_source, field, value, error_field
):
    response = post(client, borrower(**{field: value}), api_source.raw_api_key)

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {error_field}
    record = only_record()
    assert_rejected_with_reason(record, "Invalid fields")
    assert set(record.field_errors) == {error_field}
    assert_nothing_captured()


@pytest.mark.parametrize(
    "field, value",
    [("utm", [1, 2, 3]), ("purchase_price", True), ("phone", {"number": "8135550199"})],
)
def test_wrong_json_types_elsewhere_keep_the_lead_with_a_warning(client, api_source, field, value):
    # With an email to reach the borrower, even a phone of the wrong type costs nothing but a warning.
    response = post(client, borrower(email="ana@example.com", **{field: value}), api_source.raw_api_key)

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    record = only_record()
    assert [w["field"] for w in lead.intake_warnings] == [field]
    assert record.warnings == lead.intake_warnings
    assert record.status == IntakeRecord.Status.ACCEPTED


# --- size ---------------------------------------------------------------------------------------------------


def test_huge_text_fields_are_cut_to_their_column_sizes(client, api_source):
    payload = borrower(
        first_name="Ab" * 2_500,
        last_name="Cd" * 2_500,
        notes="n" * 20_000,
        external_id="E" * 2_000,
        gclid="G" * 2_000,
    )  # about 35 kB, under the 64 kB body limit
    response = post(client, payload, api_source.raw_api_key)

    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert lead.first_name == "Ab" * 40 and lead.last_name == "Cd" * 40
    assert lead.notes == "n" * 4000
    assert lead.vendor_lead_id == "E" * 200 and lead.gclid == "G" * 200


def test_a_huge_phone_with_nothing_else_to_reach_is_a_field_error(client, api_source):
    response = post(client, borrower(phone="8" * 10_000), api_source.raw_api_key)

    assert response.status_code == 422
    assert "phone" in response.json()["errors"]
    record = only_record()
    assert_rejected_with_reason(record, "Invalid fields")
    # The message quotes the value only in part: an error report must not balloon with the input.
    assert len(json.dumps(record.field_errors)) < 1_000
    assert_nothing_captured()


@pytest.mark.parametrize("field, value", [("email", "a" * 10_000 + "@example.com"), ("zip", "3" * 10_000)])
def test_huge_other_fields_are_warnings_quoted_in_part(client, api_source, field, value):
    response = post(client, borrower(**{field: value}), api_source.raw_api_key)

    assert response.status_code == 201
    record = only_record()
    assert [w["field"] for w in record.warnings] == [field]
    assert len(json.dumps(record.warnings)) < 1_000


def test_thousands_of_unknown_fields_are_kept_not_rejected(client, api_source):
    extras = {f"custom_{index}": index for index in range(2_000)}
    response = post(client, borrower(**extras), api_source.raw_api_key)

    assert response.status_code == 201
    assert len(only_record().unknown_fields) == 2_000


@pytest.mark.parametrize(
    "field, value",
    [
        ("credit_score", 1e300),
        ("credit_score", "1e400"),
        ("purchase_price", 1e300),
        ("loan_balance", "9" * 500),
    ],
)
def test_absurd_numbers_are_warnings_not_crashes(client, api_source, field, value):
    response = post(client, borrower(**{field: value}), api_source.raw_api_key)

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert [w["field"] for w in lead.intake_warnings] == [field]
    assert getattr(lead, field if field != "credit_score" else "credit_score_low") is None


# --- control characters, NUL, broken Unicode ----------------------------------------------------------------


def test_control_characters_are_removed_from_stored_text(client, api_source):
    payload = borrower(
        first_name="A\u0007n\u001ba", last_name="Lo\u0000pez\u007f", notes="line one\r\nline\u000btwo"
    )
    response = post(client, payload, api_source.raw_api_key)

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Ana", "Lopez")
    assert lead.notes == "line one\nlinetwo"


def test_nul_characters_in_unknown_fields_do_not_lose_the_lead(client, api_source):
    """PostgreSQL's jsonb refuses \\u0000; the lead must still be captured and the field kept, cleaned."""
    response = post(client, borrower(**{"vendor\u0000note": "a\u0000b"}), api_source.raw_api_key)

    assert response.status_code == 201, response.content
    record = only_record()
    assert record.status == IntakeRecord.Status.ACCEPTED
    assert len(record.unknown_fields) == 1
    ((key, value),) = record.unknown_fields.items()
    assert "\u0000" not in key + value and key.startswith("vendor") and value.startswith("a")
    assert Lead.objects.count() == 1


def test_raw_nul_byte_in_the_body_is_kept_on_a_rejected_record(client, api_source):
    """PostgreSQL text refuses NUL: the raw body must still be stored (cleaned), not a 500 and a lost lead."""
    body = b'{"first_name": "A\x00na", "phone": "8135550199"}'
    response = post(client, body, api_source.raw_api_key)

    assert response.status_code == 400
    record = only_record()
    assert_rejected_with_reason(record, "Malformed JSON")
    assert "\x00" not in record.body and record.body.startswith('{"first_name": "A')
    assert record.body_size == len(body)
    assert_nothing_captured()


def test_unpaired_surrogate_escape_is_refused_with_a_reason(client, api_source):
    body = '{"first_name": "A\\ud800na", "phone": "8135550199"}'
    response = post(client, body, api_source.raw_api_key)

    assert response.status_code in (400, 422)
    assert_rejected_with_reason(only_record())
    assert_nothing_captured()


def test_body_that_is_not_utf8_is_refused_and_kept(client, api_source):
    body = '{"first_name": "José", "phone": "8135550199"}'.encode("latin-1")
    response = post(client, body, api_source.raw_api_key)

    assert response.status_code == 400
    record = only_record()
    assert_rejected_with_reason(record, "utf-8")
    assert record.body.startswith('{"first_name": "Jos')
    assert_nothing_captured()


# --- Unicode that must survive, and invisible characters that must not --------------------------------------


@pytest.mark.parametrize(
    "first_name, last_name",
    [
        ("José", "Núñez"),
        ("Nguyễn", "Thị Minh"),
        ("Zoë", "O'Brien-Smith"),
        ("李", "小龙"),
        ("سارة", "الهاشمي"),
        ("Ana 😀", "👩‍👩‍👧"),
    ],
)
def test_real_names_in_any_script_are_stored_exactly(client, api_source, first_name, last_name):
    response = post(client, borrower(first_name=first_name, last_name=last_name), api_source.raw_api_key)

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == (first_name, last_name)


def test_full_width_digits_and_letters_are_normalised(client, api_source):
    response = post(
        client,
        borrower(first_name="Ａｎａ", phone="８１３５５５０１９９", zip="３３６０２"),
        api_source.raw_api_key,
    )

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.first_name, lead.phone, lead.zip_code) == ("Ana", "+18135550199", "33602")


INVISIBLE = {
    "zero width space": "\u200b",
    "byte order mark": "\ufeff",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "pop directional isolate": "\u2069",
    "right-to-left mark": "\u200f",
    "soft hyphen": "\u00ad",
}


@pytest.mark.parametrize("character", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_and_direction_characters_are_stripped_from_names(client, api_source, character):
    """Invisible characters would let "Ana" and "A\\u200bna" become two leads, and a right-to-left override
    can make a name display as something else on every screen."""
    payload = borrower(first_name=f"A{character}na", last_name=f"{character}Lopez{character}")
    response = post(client, payload, api_source.raw_api_key)

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.name_key) == ("Ana", "Lopez", "ana|lopez")


def test_zero_width_character_in_an_email_is_never_stored(client, api_source):
    """Refused as a field error or cleaned away: an address with an invisible character would never match."""
    response = post(client, borrower(email="ana\u200b@example.com"), api_source.raw_api_key)

    if response.status_code == 422:
        assert set(response.json()["errors"]) == {"email"}
        assert_rejected_with_reason(only_record(), "Invalid fields")
        assert_nothing_captured()
    else:
        assert response.status_code == 201
        assert Lead.objects.get().email == "ana@example.com"


# --- invalid phones and emails ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "123",
        "555-1234",
        "(000) 000-0000",
        "+1 (813) 055-0199",
        "not a phone",
        "+44 20",
        "1-800-FLOWERS-NOW-PLEASE",
    ],
)
def test_invalid_phone_numbers_are_field_errors_and_change_nothing(client, api_source, phone):
    response = post(client, borrower(phone=phone), api_source.raw_api_key)

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"phone"}
    record = only_record()
    assert_rejected_with_reason(record, "Invalid fields")
    assert record.field_errors["phone"] and "phone" in record.field_errors["phone"][0]
    assert_nothing_captured()


@pytest.mark.parametrize(
    "email",
    [
        "ana",
        "ana@",
        "@example.com",
        "ana@@example.com",
        "ana@example..com",
        "ana lopez@example.com",
        "ana@-example.com",
        "ana@localhost",
        "ana@example.com>, eve@example.com",
    ],
)
def test_invalid_email_addresses_beside_a_good_phone_are_warnings(client, api_source, email):
    response = post(client, borrower(email=email), api_source.raw_api_key)

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert lead.email == "" and lead.phone == "+18135550199"
    assert lead.intake_warnings[0]["field"] == "email" and lead.intake_warnings[0]["value"] == email[:200]
    assert "not a valid email address" in lead.intake_warnings[0]["message"]


@pytest.mark.parametrize("email", ["ana", "ana@example..com"])
def test_invalid_email_addresses_without_a_phone_are_field_errors_and_change_nothing(
    client, api_source, email
):
    response = post(client, borrower(email=email, phone=None), api_source.raw_api_key)

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email"}
    record = only_record()
    assert_rejected_with_reason(record, "Invalid fields")
    assert "not a valid email address" in record.field_errors["email"][0]
    assert_nothing_captured()


# --- SQL-looking strings ------------------------------------------------------------------------------------


def test_sql_looking_strings_are_stored_verbatim_and_do_nothing(client, api_source):
    payload = borrower(
        first_name="Robert'); DROP TABLE leads_lead;--",
        last_name="O'Reilly",
        email="x'or'1'='1@example.com",
        notes="1' OR '1'='1'; DELETE FROM leads_inquiry; --",
        external_id="x' OR 1=1 --",
        utm={"campaign": "'; UPDATE accounts_user SET is_superuser = true; --"},
    )
    response = post(client, payload, api_source.raw_api_key)

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert lead.first_name == "Robert'); DROP TABLE leads_lead;--"
    assert lead.email == "x'or'1'='1@example.com"
    assert lead.notes == "1' OR '1'='1'; DELETE FROM leads_inquiry; --"
    assert lead.vendor_lead_id == "x' OR 1=1 --"
    assert lead.utm_campaign == "'; UPDATE accounts_user SET is_superuser = true; --"
    assert Inquiry.objects.count() == 1

    # The same borrower's SQL-ish email matches only itself, not every lead.
    other = post(
        client,
        borrower(first_name="Eve", phone="8135550100", email="eve@example.com", zip="10001"),
        api_source.raw_api_key,
    )
    assert other.json()["result"] == "created"
    again = post(
        client,
        borrower(phone="8135550111", email="x'or'1'='1@example.com", external_id="2"),
        api_source.raw_api_key,
    )
    assert again.json()["result"] == "merged" and again.json()["id"] == lead.pk


# --- markup is escaped wherever it is shown -----------------------------------------------------------------

SCRIPT = "<script>alert('fc')</script>"
IMAGE = "<img src=x onerror=alert(1)>"


def test_markup_in_names_and_fields_is_escaped_on_every_screen(client, api_source, admin_user):
    payload = borrower(
        first_name=SCRIPT,
        last_name=IMAGE,
        notes=f"<b>{SCRIPT}</b>",
        campaign_note=f"<svg onload=alert(2)>{SCRIPT}",
    )
    created = post(client, payload, api_source.raw_api_key)
    assert created.status_code == 201
    lead = Lead.objects.get()
    assert lead.first_name == SCRIPT  # stored as typed; escaping is the screens' job
    rejected = post(
        client, borrower(email=f"{SCRIPT}@example.com", first_name=IMAGE, phone=None), api_source.raw_api_key
    )
    assert rejected.status_code == 422
    rejected_record = IntakeRecord.objects.get(pk=rejected.json()["intake_record_id"])

    client.force_login(admin_user)
    pages = {
        "home": "/",
        "lead": f"/leads/{lead.pk}/",
        "intake list": "/intake/",
        "accepted record": f"/intake/{created.json()['intake_record_id']}/",
        "rejected record": f"/intake/{rejected_record.pk}/",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        for dangerous in (SCRIPT, IMAGE, "<svg onload", "<b><script"):
            assert dangerous not in html, f"{dangerous!r} unescaped on the {name} page"
    assert "&lt;script&gt;alert(&#x27;fc&#x27;)&lt;/script&gt;" in client.get("/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get(pages["rejected record"]).content.decode()


def test_javascript_urls_in_consent_proof_are_never_rendered_as_links(client, api_source, admin_user):
    payload = borrower(
        consent={
            "sms": True,
            "email": True,
            "calls": True,
            "text": "I agree.",
            "page_url": "javascript:alert(document.cookie)",
            "trusted_form_url": "javascript:alert(document.cookie)//cert.trustedform.com/abc",
        }
    )
    response = post(client, payload, api_source.raw_api_key)
    assert response.status_code == 201
    lead = Lead.objects.get()

    client.force_login(admin_user)
    html = client.get(f"/leads/{lead.pk}/").content.decode().lower()
    assert 'href="javascript:' not in html and "href='javascript:" not in html
