"""A new organisation follows up from the first minute: one published cadence per pipeline, turned on, written to
the compliance rules; step titles read as words, never template braces."""

from firstcall.cadences.editing import DEFAULT_ON, start_default_cadences
from firstcall.cadences.models import Cadence, CadenceStep
from firstcall.cadences.services import describe_step


def test_a_new_organisation_gets_a_published_cadence_per_pipeline_turned_on(organisation):
    started = start_default_cadences(organisation)
    assert {cadence.builtin_key for cadence in started} == set(DEFAULT_ON)
    on = Cadence.objects.filter(organisation=organisation, is_active=True)
    assert all(cadence.current_version_id for cadence in on)
    purposes = {purpose for cadence in on for purpose in cadence.purposes}
    assert {"purchase", "rate_term_refinance", "cash_out_refinance", "heloc"} <= purposes
    # Every text of a default cadence names the company and says how to stop.
    for step in CadenceStep.objects.filter(version__cadence__in=on, kind="send_sms").select_related(
        "template"
    ):
        body = step.template.body if step.template_id else step.body
        assert "STOP" in body and "organisation.name" in body


def test_a_cadence_turned_off_stays_off(organisation):
    start_default_cadences(organisation)
    Cadence.objects.filter(organisation=organisation, builtin_key="refinance").update(is_active=False)
    assert start_default_cadences(organisation) == []
    assert not Cadence.objects.get(organisation=organisation, builtin_key="refinance").is_active


def test_step_titles_read_as_words(organisation):
    start_default_cadences(organisation)
    for step in CadenceStep.objects.filter(version__cadence__organisation=organisation):
        assert "{{" not in describe_step(step)
