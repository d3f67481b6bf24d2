"""Shared set-up for the workspace browser tests: a signed-in browser and a believable small pipeline."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.test import Client
from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.leads.models import Lead, Pipeline

PASSWORD = "correct horse battery staple"


def person(organisation, username, role=User.Role.LOAN_OFFICER, **fields) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        organisation=organisation,
        role=role,
        first_name=fields.pop("first_name", username.title()),
        last_name=fields.pop("last_name", ""),
        email=f"{username}@acme.test",
        **fields,
    )


def sign_in(page, user, server_url) -> None:
    """Give the browser a session for `user` (the sign-in form itself is tested in test_sign_in.py)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": server_url}]
    )


BORROWERS = [
    # first, last, stage, tier, price, down, minutes since received
    ("Ana", "Lopez", "New", "hot", "385000", "13475", 2),
    ("Marcus", "Reed", "New", "warm", "240000", "8400", 9),
    ("Priya", "Natarajan", "Contacted", "hot", "520000", "104000", 300),
    ("Tom", "Becker", "Qualified", "warm", "310000", "31000", 2000),
    ("Lucia", "Ferreira", "Pre-approved", "hot", "450000", "45000", 5000),
    ("Dwayne", "Carter", "Application", "cold", "199000", "6965", 9000),
    ("Grace", "Kim", "Processing", "warm", "615000", "123000", 15000),
    ("Omar", "Haddad", "Lost", "cold", "275000", "9625", 20000),
]


def seed_pipeline(organisation, owner) -> dict[str, Lead]:
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    now = timezone.now()
    leads = {}
    for index, (first, last, stage, tier, price, down, minutes) in enumerate(BORROWERS):
        received = now - timedelta(minutes=minutes)
        is_new = stage == "New"
        leads[first] = Lead.objects.create(
            organisation=organisation,
            pipeline=pipeline,
            stage=pipeline.stages.get(name=stage),
            owner=owner,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}@example.com",
            phone=f"+1813555{160 + index:04d}",
            state="FL",
            zip_code="33602",
            purpose="purchase",
            loan_type=["fha", "conventional", "va"][index % 3],
            purchase_price=Decimal(price),
            down_payment=Decimal(down),
            score={"hot": 88, "warm": 62, "cold": 31}[tier],
            score_tier=tier,
            created_at=received,
            updated_at=received,
            respond_by=received + timedelta(minutes=5) if is_new else None,
            sla_status="pending" if is_new else "met",
            first_human_contact_at=None if is_new else received + timedelta(minutes=3),
            lost_reason="Went with another lender" if stage == "Lost" else "",
            consent_calls=True,  # they asked to be called: the call gate leaves only the calling window
        )
    return leads


WIDER_THAN_THE_SCREEN = """(width) => [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > width + 0.5)
    .slice(0, 5)
    .map((element) => `${element.tagName.toLowerCase()}.${element.className}: ${element.outerHTML.slice(0, 160)}`)"""


def assert_no_sideways_scroll(page, width=375) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    # The message names the elements that stick out, so a failure says what to fix.
    assert scroll_width <= width, (scroll_width, page.evaluate(WIDER_THAN_THE_SCREEN, width))


# The two widths every workspace defect is checked at: a common laptop and a phone.
WIDE = {"width": 1366, "height": 768}
NARROW = {"width": 375, "height": 812}


def open_page(browser, server_url, viewport):
    """A fresh context (own cookies) at one of the widths; close it with page.context.close()."""
    options = {"is_mobile": True, "has_touch": True} if viewport["width"] < 600 else {}
    # Playwright's polling helpers evaluate with eval, which the pages' policy forbids (see conftest._new_page).
    context = browser.new_context(base_url=server_url, viewport=viewport, bypass_csp=True, **options)
    context.set_default_timeout(10_000)
    return context.new_page()


def both_sizes(browser, server_url, only: str | None = None):
    """(page, label, width) for 1366 px ("desktop") and 375 px ("phone"), each in its own context."""
    for viewport, label in ((WIDE, "desktop"), (NARROW, "phone")):
        if only and label != only:
            continue
        page = open_page(browser, server_url, viewport)
        try:
            yield page, label, viewport["width"]
        finally:
            page.context.close()
