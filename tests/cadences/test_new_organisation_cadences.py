"""An organisation created outside the demo (a command, the admin) starts with follow-up on: creating it emits
`organisation.created`, and the cadences app seeds the library and turns on each pipeline's default cadence in
the same transaction, once, with texts that pass the send lint."""

import pytest
from django.db import transaction
from django.test import Client

from firstcall.accounts.models import Organisation, User
from firstcall.accounts.services import create_organisation, get_or_create_organisation
from firstcall.cadences.editing import DEFAULT_ON, template_problems, version_problems
from firstcall.cadences.models import Cadence, CadenceStep
from firstcall.events.models import Event
from firstcall.events.outbox import emit

pytestmark = pytest.mark.django_db


def _on(organisation) -> set[str]:
    return set(
        Cadence.objects.filter(organisation=organisation, is_active=True).values_list(
            "builtin_key", flat=True
        )
    )


def test_a_new_organisation_starts_with_each_pipelines_default_cadence_on_and_published():
    organisation = create_organisation("Harbor Lending", nmls_id="2222222")
    assert _on(organisation) == set(DEFAULT_ON)
    for cadence in Cadence.objects.filter(organisation=organisation, is_active=True):
        assert cadence.current_version_id and version_problems(cadence.current_version) == []
    # The rest of the library is there, turned off, for the lender to choose from.
    assert Cadence.objects.filter(organisation=organisation, is_active=False).exists()
    assert Event.objects.filter(name="organisation.created", organisation_id=organisation.pk).count() == 1


def test_the_default_cadences_texts_and_emails_pass_the_send_lint():
    organisation = create_organisation("Harbor Lending", nmls_id="2222222")
    steps = CadenceStep.objects.filter(
        version__cadence__organisation=organisation,
        version__cadence__is_active=True,
        kind__in=["send_sms", "send_email"],
    ).select_related("template")
    assert steps.exists()
    for step in steps:
        template = step.template
        assert template_problems(template.channel, template.subject, template.body) == [], template.name


def test_an_organisation_made_by_a_command_gets_them_once():
    organisation = get_or_create_organisation("Harbor Lending")
    count = Cadence.objects.filter(organisation=organisation).count()
    assert get_or_create_organisation("Harbor Lending") == organisation
    assert get_or_create_organisation(organisation.slug) == organisation
    assert Cadence.objects.filter(organisation=organisation).count() == count
    assert Event.objects.filter(name="organisation.created").count() == 1


def test_the_event_handled_again_changes_nothing_and_a_cadence_turned_off_stays_off():
    organisation = create_organisation("Harbor Lending")
    Cadence.objects.filter(organisation=organisation, builtin_key="refinance").update(is_active=False)
    before = list(Cadence.objects.filter(organisation=organisation).order_by("pk").values("pk", "is_active"))
    with transaction.atomic():
        emit("organisation.created", organisation_id=organisation.pk)
    assert (
        list(Cadence.objects.filter(organisation=organisation).order_by("pk").values("pk", "is_active"))
        == before
    )


def test_an_organisation_added_in_the_admin_starts_with_them_too():
    superuser = User.objects.create_superuser("root", "root@example.com", "correct horse battery staple")
    client = Client()
    client.force_login(superuser)
    page = client.get("/admin/accounts/organisation/add/")
    assert page.status_code == 200
    # The add form as the admin shows it (every default), with a name.
    data = {field.name: field.value() for field in page.context["adminform"].form}
    data.pop("created_at", None)
    data.update(name="Admin Made Lending", slug="admin-made-lending", created_at_0="2026-12-01",
                created_at_1="09:00:00")  # fmt: skip
    response = client.post(
        "/admin/accounts/organisation/add/", {k: v for k, v in data.items() if v not in (None, False)}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    organisation = Organisation.objects.get(name="Admin Made Lending")
    assert _on(organisation) == set(DEFAULT_ON)
