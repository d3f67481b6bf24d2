"""Each role sees a lead's fields, timeline event kinds and conversations by an explicit allow-list
(firstcall/leads/allow_lists.py): a test per role for every page, and per role for every event kind."""

import pytest
from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.leads import allow_lists
from firstcall.leads.models import TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.messaging.models import Message
from tests.conftest import make_user

PRIVATE_TEXT = "Private: my income dropped, can we still do this"
ROLES = list(allow_lists.ROLES)
PAGES = ["my_day", "my_day_live", "outbox", "lead_page", "lead_timeline", "lead_list", "board"]


def test_every_timeline_event_kind_has_a_decision_for_every_role():
    assert set(TimelineEvent.Kind.values) == allow_lists.EVERY_EVENT_KIND
    assert set(allow_lists.TIMELINE_KINDS) == set(User.Role.values)
    assert set(allow_lists.ROLES) == set(User.Role.values)


@pytest.fixture
def cast(organisation, team, make_lead):
    """One lead every role may see: owned by a loan officer of the manager's team, worked by a processor,
    referred by a partner; the borrower has texted the loan officer."""
    officer = make_user(organisation, "olivia", nmls_id="100001", licensed_states=["FL"])
    officer.teams.add(team)
    manager = make_user(organisation, "maria", role=User.Role.MANAGER)
    manager.managed_teams.add(team)
    people = {
        "admin": make_user(organisation, "adele", role=User.Role.ADMIN),
        "manager": manager,
        "loan_officer": officer,
        "processor": make_user(organisation, "pat", role=User.Role.PROCESSOR),
        "partner": make_user(organisation, "rita", role=User.Role.PARTNER),
    }
    lead = make_lead(officer, processor=people["processor"], referral_partner=people["partner"])
    message = Message.objects.create(
        organisation=organisation, lead=lead, channel="sms", direction="inbound", purpose="reply",
        status="received", body=PRIVATE_TEXT, from_address=lead.phone, to_address="+18135550100",
        created_at=timezone.now(),
    )  # fmt: skip
    record_event(lead, TimelineEvent.Kind.MESSAGE, "Text from the borrower",
                 data={"direction": "inbound", "message_id": message.pk})  # fmt: skip
    return people, lead


def _url(page: str, lead) -> tuple[str, dict]:
    return {
        "my_day": ("/", {}),
        "my_day_live": ("/my-day/live/", {}),
        "outbox": ("/outbox/", {}),
        "lead_page": (f"/leads/{lead.pk}/", {}),
        "lead_timeline": (f"/leads/{lead.pk}/timeline/", {"HTTP_HX_REQUEST": "true"}),
        "lead_list": ("/leads/", {}),
        "board": ("/board/purchase/", {}),
    }[page]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_conversations_are_shown_only_to_roles_allowed_to_read_them(cast, signed_in, role, page):
    people, lead = cast
    url, headers = _url(page, lead)
    response = signed_in(people[role]).get(url, **headers)
    if role == "partner":
        # A partner has no workspace: pages send them to the partner portal, fragments are refused.
        assert response.status_code == (403 if headers else 302)
        assert PRIVATE_TEXT not in response.content.decode()
        return
    assert response.status_code == 200, (role, page)
    html = response.content.decode()
    shown = PRIVATE_TEXT in html
    if role not in allow_lists.SEES_CONVERSATIONS:
        assert not shown, f"{role} sees the borrower's text on {page}"
        assert ">Reply<" not in html and "#compose" not in html and ">Text<" not in html
    elif page in ("lead_page", "lead_timeline", "outbox"):
        assert shown, f"{role} should see the conversation on {page}"


@pytest.mark.parametrize("kind", sorted(allow_lists.EVERY_EVENT_KIND))
@pytest.mark.parametrize("role", ROLES)
def test_each_timeline_event_kind_is_shown_by_the_roles_allow_list(cast, signed_in, role, kind):
    people, lead = cast
    marker = "Marker event of kind " + kind.replace("_", " ")
    record_event(lead, kind, marker, data={"to": "Contacted"} if kind == "stage_changed" else {})
    response = signed_in(people[role]).get(f"/leads/{lead.pk}/")
    html = response.content.decode()
    allowed = kind in allow_lists.TIMELINE_KINDS[role]
    if role == "partner":
        # No lead page for a partner, so no event of any kind: they are sent to the partner portal.
        assert response.status_code == 302 and response.url == "/portal/partner/"
        assert marker not in html and f"event-{kind}" not in html
    else:
        assert (marker in html) is allowed, f"{role} and {kind}"


@pytest.mark.parametrize("role", ROLES)
def test_the_partner_page_shows_allow_listed_fields_only(cast, signed_in, role):
    people, lead = cast
    response = signed_in(people[role]).get(f"/leads/{lead.pk}/")
    html = response.content.decode()
    finances = ["350,000", "12,250", "721", "ana.lopez@example.com", "555-0199"]
    if role == "partner":
        assert response.status_code == 302 and response.url == "/portal/partner/"
        assert not [value for value in finances if value in html] and "Ana Lopez" not in html
    else:
        assert "350,000" in html
