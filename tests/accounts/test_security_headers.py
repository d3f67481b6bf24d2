"""Browser protections on every page: a walk over every URL pattern, reversed with real objects, checking the
Content-Security-Policy, Cache-Control, Referrer-Policy, Permissions-Policy and nosniff headers; the embeddable
form's per-source frame allow-list; public form addresses that cannot be counted; and `check --deploy` clean
under the documented production settings."""

import json
import os
import subprocess
import sys

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from firstcall.leads.models import IntakeRecord, LeadSource, PossibleDuplicate
from firstcall.leads.services import capture
from firstcall.leads.sources import create_source
from firstcall.leads.submission import LeadSubmission

EMBEDDABLE_URL_NAMES = {"web_form", "web_form_thanks", "calculator", "calculator_quote", "calculator_thanks"}
SKIPPED_NAMESPACES = {"admin", "api", "djdt"}


def url_patterns(resolver=None, namespace=""):
    """(name with namespace, pattern) for every named route, included ones too."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in SKIPPED_NAMESPACES:
                continue
            yield from url_patterns(entry, f"{inner}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, entry


@pytest.fixture
def world(organisation, admin_user, api_source):
    """One of each thing a URL can name, in the admin's organisation."""
    web_source, _ = create_source(organisation, channel="web_form", name="Website form")
    for index in (1, 2):
        record = IntakeRecord.objects.create(organisation=organisation, source=api_source, channel="api")
        result = capture(
            LeadSubmission(first_name="Ana", last_name="Lopez", zip="33602", email=f"ana{index}@example.com",
                           phone=f"81355501{index}0"),
            organisation=organisation, intake_record=record, source=api_source,
        )  # fmt: skip
    lead = result.lead
    return {
        "lead_id": lead.pk,
        "source_id": web_source.pk,
        "record_id": IntakeRecord.objects.filter(lead=lead).first().pk,
        "pair_id": PossibleDuplicate.objects.get().pk,
        "org_slug": organisation.slug,
        "public_id": web_source.public_id,
        "user_id": admin_user.pk,
        "kind": "sms",
        "token": "not-a-token",
    }


def every_url(world) -> list[tuple[str, str]]:
    urls = []
    for name, pattern in url_patterns():
        converters = getattr(pattern.pattern, "converters", {})
        kwargs = {key: world.get(key, 1) for key in converters}
        try:
            urls.append((name, reverse(name, kwargs=kwargs)))
        except Exception:  # noqa: BLE001 - a route that cannot be reversed with these values is reported below
            urls.append((name, ""))
    return urls


def assert_protected(name: str, url: str, response):
    where = f"{name} {url} ({response.status_code})"
    policy = response.get("Content-Security-Policy", "")
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip())
    assert directives.get("script-src") == "'self'", where
    assert "unsafe-inline" not in directives.get("script-src", "") and "unsafe-eval" not in policy, where
    assert directives.get("object-src") == "'none'" and directives.get("base-uri") == "'none'", where
    if name in EMBEDDABLE_URL_NAMES:
        assert directives["frame-ancestors"].startswith("'self'"), where
    else:
        assert directives["frame-ancestors"] == "'none'", where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert "camera=()" in response["Permissions-Policy"], where
    cache_control = response.get("Cache-Control", "")
    if response.get("Content-Type", "").startswith("text/javascript"):
        assert "public" in cache_control, where  # the embed script: code, no borrower data
    else:
        assert "no-store" in cache_control, where


def test_every_url_pattern_answers_with_the_browser_protections(client, world, admin_user):
    urls = every_url(world)
    unreversed = [name for name, url in urls if not url]
    assert unreversed == [], f"add a value for these routes' arguments to world: {unreversed}"
    assert len(urls) > 100
    statuses = {}
    for signed_in in (False, True):
        if signed_in:
            client.force_login(admin_user)
        for name, url in urls:
            response = client.get(url)
            statuses.setdefault(response.status_code, []).append(name)
            assert_protected(name, url, response)
    assert len(statuses[200]) > 60, {code: len(names) for code, names in statuses.items()}
    for url in ("/api/v1/openapi.json", "/api/v1/docs", "/admin/", "/api/v1/leads"):
        response = client.get(url)
        assert_protected(url, url, response)
    assert 'src="/static/ninja/swagger-ui-bundle.js"' in client.get("/api/v1/docs").content.decode()


def test_static_files_keep_their_own_caching(client):
    response = client.get("/static/firstcall/web_form_enhance.js")
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")


def test_public_form_addresses_are_random_and_numbers_are_not_found(client, organisation):
    first, _ = create_source(organisation, channel="web_form", name="Form A")
    second, _ = create_source(organisation, channel="web_form", name="Form B")
    assert first.public_id != second.public_id and len(first.public_id) >= 16
    assert client.get(f"/f/{first.public_id}/").status_code == 200
    for number in (first.pk, second.pk, 1, 2):
        assert client.get(f"/f/{number}/").status_code == 404
        assert client.get(f"/f/{number}/thanks/").status_code == 404
        assert client.get(f"/f/{number}/embed.js").status_code == 404


def test_only_the_sites_a_source_lists_may_frame_its_form(client, organisation, admin_user):
    source, _ = create_source(organisation, channel="web_form", name="Website form")
    page = client.get(f"/f/{source.public_id}/")
    assert page["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    client.force_login(admin_user)
    refused = client.post(
        f"/sources/{source.pk}/web-form/embed-sites/", {"embed_sites": "javascript:alert(1)"}
    )
    assert refused.status_code == 302 and LeadSource.objects.get(pk=source.pk).embed_origins == []
    client.post(
        f"/sources/{source.pk}/web-form/embed-sites/",
        {"embed_sites": "https://www.acme-homes.test/apply\nbroker.example.com\n"},
    )
    assert LeadSource.objects.get(pk=source.pk).embed_origins == [
        "https://www.acme-homes.test", "https://broker.example.com",
    ]  # fmt: skip
    client.logout()
    page = client.get(f"/f/{source.public_id}/")
    assert page["Content-Security-Policy"].endswith(
        "frame-ancestors 'self' https://www.acme-homes.test https://broker.example.com"
    )
    assert "X-Frame-Options" not in page
    assert client.get("/login/")["X-Frame-Options"] == "DENY"


PRODUCTION = {
    "FIRSTCALL_SITE_URL": "https://leads.acme-homes.test",
    "FIRSTCALL_ALLOWED_HOSTS": "leads.acme-homes.test",
    "FIRSTCALL_SECRET_KEY": "x7Qp9-production-secret-key-that-is-long-and-random-4kT2mZ8vL1cR6yW3nB0dF5hJ",
    "FIRSTCALL_FIELD_ENCRYPTION_KEY": "a-separate-field-encryption-key-kept-in-the-secret-store",
}


def test_check_deploy_is_clean_under_the_documented_production_settings(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FIRSTCALL_")}, **PRODUCTION,
           "FIRSTCALL_DATA_DIR": str(tmp_path)}  # fmt: skip
    checked = subprocess.run(
        [sys.executable, "-m", "firstcall.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
    shown = subprocess.run(
        [sys.executable, "-c", "import json; from firstcall import settings as s; print(json.dumps([s.SECURE_SSL_REDIRECT,"
         " s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE]))"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert json.loads(shown.stdout) == [True, 31_536_000, True, True]
    plain = subprocess.run(
        [sys.executable, "-c", "import json; from firstcall import settings as s; print(json.dumps([s.SECURE_SSL_REDIRECT,"
         " s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE]))"],
        env={**env, "FIRSTCALL_SITE_URL": "http://127.0.0.1:8000"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert json.loads(plain.stdout) == [False, 0, False]
