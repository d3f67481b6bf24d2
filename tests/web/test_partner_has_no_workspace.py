"""A referral partner has no staff workspace (firstcall/web/partner_gate.py). A partner who signs in with a
password lands on the partner portal as that partner, seeing only the milestones of borrowers who share with
them; every staff page answers a redirect to the portal and every fragment, form post, export and API call 403,
so no stage name, lost file, reason, credit or income ever reaches them through the workspace."""

from decimal import Decimal

import pytest
from django.test import Client

from firstcall.accounts.models import AuditEvent, User
from firstcall.pipeline.models import Note
from firstcall.portals import partners
from firstcall.portals import services as portals
from tests.conftest import make_user
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db

PASSWORD = "a partner's long password 2026"
SECRETS = ["Lost", "Credit too low", "187654", "187,654", "612", "619", "Application", "Stage changed"]


@pytest.fixture
def rita(organisation):
    user = make_user(organisation, "rita", role=User.Role.PARTNER, email="rita@realty.example",
                     first_name="Rita", last_name="Realtor")  # fmt: skip
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def referral(organisation, partner, owner, first_name, last_name, stage_name, **fields):
    lead = tampa_borrower(
        organisation, owner=owner, referral_partner=partner, first_name=first_name, last_name=last_name,
        annual_income=Decimal("187654"), credit_score_low=612, credit_score_high=619, **fields,
    )  # fmt: skip
    stage = lead.pipeline.stages.get(name=stage_name)
    lead.stage = stage
    lead.save(update_fields=["stage"])
    return lead


@pytest.fixture
def files(organisation, rita, owner):
    shared = referral(organisation, rita, owner, "Zoe", "Campbell", "Application")
    partners.grant_sharing(shared, rita, how="borrower portal")
    lost = referral(organisation, rita, owner, "Ben", "Ortiz", "Lost", lost_reason="Credit too low")
    return shared, lost


def signed_in_partner(partner) -> Client:
    client = Client()
    client.force_login(partner)
    return client


def test_a_partner_signing_in_with_a_password_lands_on_the_portal_with_shared_milestones_only(
    organisation, rita, files
):
    shared, lost = files
    client = Client()

    response = client.post("/login/", {"username": "rita", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/portal/partner/"
    html = response.content.decode()
    assert "Hello, Rita" in html and "Zoe C." in html and "Ben O." in html
    assert "Application in" in html and "has not chosen to share" in html
    for secret in ["Lost", "Credit too low", "187654", "187,654", "612", "Campbell", "Ortiz"]:
        assert secret not in html, secret
    # The same portal identity a partner's sign-in link gives; the Django session is gone.
    identity = client.session[portals.SESSION_KEY]
    assert (identity["party"], identity["user_id"], identity["organisation_id"]) == (
        "partner", rita.pk, organisation.pk,
    )  # fmt: skip
    assert "_auth_user_id" not in client.session
    sign_in = AuditEvent.objects.filter(action=portals.PORTAL_SIGN_IN).get()
    assert sign_in.actor == rita and sign_in.detail["method"] == "password"
    # The portal keeps working: the refer page opens, and the workspace asks for a staff sign-in.
    assert client.get("/portal/partner/refer/").status_code == 200
    assert client.get("/leads/")["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "path",
    ["/", "/leads/", "/leads/?q=Zoe", "/board/purchase/", "/outbox/", "/tasks/", "/reports/funnel/", "LEAD",
     "LOST_LEAD", "LEAD/edit/", "LEAD/privacy/export/", "/partners/", "/settings/"],
)  # fmt: skip
def test_every_workspace_page_sends_a_partner_to_the_portal(rita, files, path):
    shared, lost = files
    path = path.replace("LOST_LEAD", f"/leads/{lost.pk}/").replace("LEAD", f"/leads/{shared.pk}/")

    response = signed_in_partner(rita).get(path)

    assert response.status_code == 302 and response["Location"] == "/portal/partner/"
    for secret in SECRETS + ["Zoe", "Ben"]:
        assert secret not in response.content.decode(), secret


@pytest.mark.parametrize(
    "method, path, data, headers",
    [
        ("get", "LEAD/timeline/", None, {"HX-Request": "true"}),
        ("get", "/board/purchase/live/", None, {"HX-Request": "true"}),
        ("get", "/my-day/live/", None, {"HX-Request": "true"}),
        ("get", "LEAD/assessment/", None, {"HX-Request": "true"}),
        ("get", "/api/v1/leads", None, {}),
        ("get", "LEAD_API", None, {}),
        ("post", "/leads/bulk/", {"action": "export", "everything": "on", "query": ""}, {}),
        ("post", "LEAD/notes/", {"body": "hello"}, {}),
    ],
)
def test_fragments_exports_posts_and_the_api_are_refused_to_a_partner(
    rita, files, method, path, data, headers
):
    shared, _ = files
    path = path.replace("LEAD_API", f"/api/v1/leads/{shared.pk}").replace("LEAD", f"/leads/{shared.pk}")
    client = signed_in_partner(rita)

    response = getattr(client, method)(path, data or {}, headers=headers)

    assert response.status_code == 403
    assert "text/csv" not in response.get("Content-Type", "")
    for secret in SECRETS + ["Zoe", "Ben"]:
        assert secret not in response.content.decode(), secret
    assert not Note.objects.exists()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_partner_who_must_still_give_a_second_factor_is_not_let_through(organisation, rita, files):
    organisation.require_two_factor_for_everyone = True
    organisation.save(update_fields=["require_two_factor_for_everyone"])
    client = Client()

    response = client.post("/login/", {"username": "rita", "password": PASSWORD})

    # Sent to set up two-factor first; no portal identity yet and nothing of the workspace.
    assert response.status_code == 302 and "two-factor" in response["Location"]
    assert portals.SESSION_KEY not in client.session
    assert client.get("/leads/").status_code == 302 and not client.get("/leads/")["Location"].startswith(
        "/portal"
    )
