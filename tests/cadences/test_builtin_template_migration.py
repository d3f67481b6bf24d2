"""Organisations seeded before the built-in FHA and VA texts were fixed still held "3.5% down", "no down payment"
and "as little as 3.5%", which the send lint refuses. The data migration gives unedited built-in rows the texts new organisations
get, leaves a lender's own edits alone (the template pages say why their sends are refused), and going back
changes nothing."""

from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from firstcall.cadences import library
from firstcall.cadences.models import MessageTemplate
from firstcall.compliance.engine import adlint

BEFORE = ("cadences", "0002_enrolment_pipeline_in_leads")
FIX = ("cadences", "0003_builtin_fha_va_texts_without_down_payment")
REPLACEMENTS = import_module(f"firstcall.cadences.migrations.{FIX[1]}").REPLACEMENTS
FHA, VA = "FHA buyer · day 1 text", "VA buyer · day 1 text"
LENDER_EDIT = "VA loans can mean no down payment! Call Sam today. Reply STOP to opt out."


def migrate(executor, target):
    executor.loader.build_graph()
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


def rows():
    return {
        (t.organisation.slug, t.name, t.language): t.body
        for t in MessageTemplate.objects.select_related("organisation")
    }


def test_the_fixed_texts_are_the_library_s_and_pass_the_lint_the_old_ones_fail():
    for (name, channel, language), (old, new) in REPLACEMENTS.items():
        assert library.TEMPLATES[name]["channel"] == channel
        assert library.TEMPLATES[name]["variants"][language][1] == new
        assert adlint.lint(new, check_nmls=False).ok and not adlint.trigger_terms(new)
        assert [f.rule for f in adlint.lint(old, check_nmls=False).findings] == ["reg_z.trigger_terms"]


@pytest.mark.django_db(transaction=True)
def test_unedited_builtin_texts_are_fixed_and_edits_are_left_alone():
    executor = MigrationExecutor(connection)
    old_apps = migrate(executor, BEFORE)
    try:
        Organisation = old_apps.get_model("accounts", "Organisation")
        Template = old_apps.get_model("cadences", "MessageTemplate")
        seeded = Organisation.objects.create(name="Seeded early", slug="early")
        edited = Organisation.objects.create(name="Edited", slug="edited")
        for organisation in (seeded, edited):
            for (name, channel, language), (old, _) in REPLACEMENTS.items():
                body = LENDER_EDIT if organisation == edited and name == VA else old
                Template.objects.create(
                    organisation=organisation,
                    name=name,
                    channel=channel,
                    language=language,
                    body=body,
                    is_builtin=True,
                    builtin_key=name,
                )
        # A lender's own template that happens to read like the old built-in text is theirs, not built in.
        Template.objects.create(
            organisation=seeded, name="My VA text", channel="sms", body=REPLACEMENTS[(VA, "sms", "en")][0]
        )
        migrate(executor, FIX)
        after = rows()
        for (name, _channel, language), (_, new) in REPLACEMENTS.items():
            assert after[("early", name, language)] == new
        assert after[("edited", VA, "en")] == LENDER_EDIT
        assert after[("edited", FHA, "en")] == REPLACEMENTS[(FHA, "sms", "en")][1]
        assert after[("early", "My VA text", "en")] == REPLACEMENTS[(VA, "sms", "en")][0]

        # Back again: nothing changes (a refused text is never put back), and forward again is the same.
        migrate(executor, BEFORE)
        assert rows() == after
        migrate(executor, FIX)
        assert rows() == after
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        MessageTemplate.objects.all().delete()


def test_the_template_pages_say_why_an_edited_text_is_refused_at_send(client, manager, organisation):
    template = MessageTemplate.objects.create(
        organisation=organisation,
        name=VA,
        channel="sms",
        body=LENDER_EDIT,
        is_builtin=True,
        builtin_key=VA,
    )
    MessageTemplate.objects.create(
        organisation=organisation, name="Clean", channel="sms", body="Hi, it's Sam. Reply STOP to opt out."
    )
    client.force_login(manager)
    page = client.get("/cadences/templates/").content.decode()
    assert page.count("Sends of this text are refused") == 1
    assert "states down payment (&quot;no down&quot;)" in page and "12 CFR 1026.24(d)(2)" in page
    edit = client.get(f"/cadences/templates/{template.pk}/").content.decode()
    assert "Sends of this text are refused until it is changed" in edit
    assert "12 CFR 1026.24(d)(2)" in edit
