"""Templates: merge fields with fallbacks, language variants, signature, opt-out line, the sandbox, the SMS
segment counter."""

import pytest
from cadence_helpers import make_lead

from firstcall.cadences import templating
from firstcall.cadences.models import MessageTemplate
from firstcall.cadences.personalise import MERGE_FIELDS, compose, merge_context

# ------------------------------------------------------------------------------------------- the sandbox

CONTEXT = {"borrower": {"first_name": "Ana", "last_name": ""}, "organisation": {"name": "Acme"}}


@pytest.mark.parametrize(
    "template",
    [
        "{{ borrower.organisation.api_keys }}",
        "{{ settings.SECRET_KEY }}",
        "{{ borrower.__class__ }}",
        "{{ borrower.first_name.__class__.__mro__ }}",
        "{{ borrower }}",
        "{% load static %}",
        '{% include "base.html" %}',
        "{% debug %}",
        "{{ borrower.first_name|safe }}",
        "{{ request.user.password }}",
        "{# a comment #}",
    ],
)
def test_a_template_cannot_read_anything_it_was_not_given(template):
    assert templating.render(template, CONTEXT) == ""
    assert templating.problems(template, MERGE_FIELDS) != []


def test_the_sandbox_only_looks_into_plain_dicts():
    class Secretive:
        api_key = "sk_live_123"

        def __str__(self):
            return "leak"

    context = {"borrower": {"first_name": "Ana", "thing": Secretive(), "items": ["x"]}}
    assert templating.render("{{ borrower.thing.api_key }}|{{ borrower.items }}", context) == "|"


def test_merge_fields_fallbacks_and_filters():
    text = (
        'Hi {{ borrower.first_name|default:"there" }} {{ borrower.last_name|default:"friend" }}, '
        "{{ organisation.name|upper }} {{ missing.field }}{{ borrower.first_name|lower }}"
    )
    assert templating.render(text, CONTEXT) == "Hi Ana friend, ACME ana"
    assert templating.problems(text, ["borrower.first_name", "borrower.last_name", "organisation.name"]) == [
        "unknown merge field 'missing.field'"
    ]


def test_problems_explain_what_is_wrong():
    assert templating.problems("{{ borrower.first_name|default }}", MERGE_FIELDS) == [
        'default needs a value, e.g. default:"there"'
    ]
    assert templating.problems("Hi {{ borrower.first_name", MERGE_FIELDS) == [
        "a '{{' is never closed with '}}'"
    ]
    assert templating.problems("{{ borrower.first_name|escape }}", MERGE_FIELDS)[0].startswith(
        "unknown filter"
    )
    assert templating.problems("Hi {{ borrower.first_name }}", MERGE_FIELDS) == []


# --------------------------------------------------------------------------------------- SMS segments


def test_segment_counter_gsm7_single_and_concatenated():
    assert templating.count_segments("a" * 160).segments == 1
    count = templating.count_segments("a" * 161)
    assert (count.encoding, count.segments, count.per_segment) == ("GSM-7", 2, 153)
    assert templating.count_segments("a" * 306).segments == 2
    assert templating.count_segments("a" * 307).segments == 3


def test_segment_counter_extension_characters_take_two():
    count = templating.count_segments("{" * 80)
    assert (count.encoding, count.units, count.segments) == ("GSM-7", 160, 1)
    assert templating.count_segments("€" * 81).segments == 2


def test_segment_counter_ucs2_when_any_character_is_outside_gsm7():
    count = templating.count_segments("It’s " + "a" * 65)  # a curly apostrophe
    assert (count.encoding, count.characters, count.segments, count.per_segment) == ("UCS-2", 70, 1, 70)
    assert count.non_gsm_characters == ["’"]
    assert templating.count_segments("é" * 10 + "ñ" * 60).encoding == "GSM-7"  # both are in GSM-7
    two = templating.count_segments("ü" + "好" * 70)
    assert (two.encoding, two.segments, two.per_segment) == ("UCS-2", 2, 67)
    emoji = templating.count_segments("😀" * 35)  # surrogate pairs: two units each
    assert (emoji.units, emoji.segments) == (70, 1)
    assert templating.count_segments("😀" * 36).segments == 2
    assert count.summary == "70 characters, 1 segment (UCS-2); ’ force UCS-2"


# ---------------------------------------------------------------------------------------- personalising


def test_merge_context_is_plain_strings_from_a_real_lead(organisation, owner):
    lead = make_lead(organisation, owner=owner, purchase_price="350000", timeframe="30_days")
    context = merge_context(lead)
    assert context["borrower"]["first_name"] == "Ana"
    assert context["scenario"] == {
        "loan_type": "FHA",
        "loan_type_phrase": "an FHA loan",
        "purpose": "purchase",
        "purchase_price": "$350,000",
        "property_value": "",
        "down_payment": "",
        "timeframe": "Within 30 days",
        "property_type": "",
    }
    assert context["officer"]["nmls_id"] == "100001" and context["officer"]["phone"] == "(813) 555-0101"
    assert context["organisation"] == {
        "name": "Acme Home Loans",
        "postal_address": "1 Main St, Tampa, FL 33602",
    }
    for group in context.values():
        assert all(isinstance(value, str) for value in group.values())


def test_compose_text_uses_the_borrowers_language_and_adds_the_opt_out_line(organisation, owner):
    english = MessageTemplate.objects.create(
        organisation=organisation,
        name="Day 1",
        channel="sms",
        language="en",
        body='Hi {{ borrower.first_name|default:"there" }}, it\'s {{ officer.first_name }}.',
    )
    MessageTemplate.objects.create(
        organisation=organisation,
        name="Day 1",
        channel="sms",
        language="es",
        body="Hola {{ borrower.first_name }}, soy {{ officer.first_name }}.",
    )
    spanish_lead = make_lead(organisation, owner=owner, preferred_language="es")
    composed = compose(spanish_lead, "sms", template=english)
    assert composed.body == "Hola Ana, soy Olivia. Responda STOP para cancelar."
    assert composed.language == "es"
    nameless = make_lead(organisation, owner=owner, first_name="", preferred_language="fr")
    assert compose(nameless, "sms", template=english).body == "Hi there, it's Olivia. Reply STOP to opt out."
    assert compose(nameless, "sms", body="Text STOP to end.").body == "Text STOP to end."  # already says how


def test_compose_email_signs_with_the_loan_officer_and_escapes_html(organisation, owner):
    lead = make_lead(organisation, owner=owner, first_name="<b>Ana</b>")
    composed = compose(
        lead,
        "email",
        subject="Hello {{ borrower.first_name }}",
        body="Hi {{ borrower.first_name }},\n\nSee https://acme.test/rates\nThanks",
    )
    assert composed.subject == "Hello <b>Ana</b>"
    assert composed.body.endswith(
        "Olivia\nLoan Officer, NMLS #100001\nAcme Home Loans\n(813) 555-0101\nolivia@acme.test"
    )
    assert "&lt;b&gt;Ana&lt;/b&gt;" in composed.html_body and "<b>Ana" not in composed.html_body
    assert '<a href="https://acme.test/rates"' in composed.html_body
    unassigned = make_lead(organisation, owner=None)
    assert compose(unassigned, "email", subject="x", body="Hi").body == "Hi\n\nThe team at Acme Home Loans"


def test_a_template_can_carry_the_officers_booking_link_onto_the_lead(organisation, owner):
    from firstcall.integrations.calendar.services import booking_url, lead_from_token

    body = "Pick a time: {{ officer.booking_link }}"
    lead = make_lead(organisation, owner=owner)
    assert "/book/" not in compose(lead, "sms", body=body).body  # no working hours: no page to link to

    owner.working_hours = {"mon": ["09:00", "17:00"]}
    owner.save(update_fields=["working_hours"])
    text = compose(lead, "sms", body=body).body
    link = booking_url(owner, lead)
    assert link.split("?lead=")[0] in text
    token = text.split("?lead=")[1].split()[0]
    assert lead_from_token(token, organisation.pk) == lead
    assert "officer.booking_link" in MERGE_FIELDS
