"""The borrower's public upload page is rate limited per client address and per link: a refused post gets 429
with a clear message, and nothing from it is stored."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from firstcall.documents.corpus.generate import one
from firstcall.documents.models import Document
from firstcall.documents.needs import upload_token
from tests.outside_services import tampa_borrower

# Five seconds into a minute, the clock held still: the limiter counts per clock minute, so a test must not
# straddle a minute's end.
START = datetime(2026, 3, 2, 15, 0, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _document_storage(settings, tmp_path):
    settings.DOCUMENTS_DIR = str(tmp_path / "documents")
    settings.DOCUMENT_ENCRYPTION_KEY = "test-document-key"
    settings.DOCUMENTS_UPLOADS_PER_LINK_PER_MINUTE = 2
    settings.DOCUMENTS_UPLOADS_PER_IP_PER_MINUTE = 3


@pytest.fixture
def leads(organisation, owner):
    return [
        tampa_borrower(
            organisation,
            owner=owner,
            first_name=name,
            last_name="Whitfield",
            phone=f"+1813555{index:04d}",
            annual_income=Decimal("60000"),
        )
        for index, name in enumerate(["Dana", "Eli"])
    ]


def _file(seed: int):
    handle = io.BytesIO(one("w2", 0, seed=seed).pdf)
    handle.name = f"w2-{seed}.pdf"
    return handle


def _stored_files(settings) -> int:
    from pathlib import Path

    root = Path(settings.DOCUMENTS_DIR)
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.exists() else 0


def _post(client, link, seed, address="203.0.113.7"):
    return client.post(link, {"files": [_file(seed)]}, REMOTE_ADDR=address)


def test_one_link_takes_a_few_posts_a_minute_then_429_with_nothing_stored(client, leads, settings):
    lead = leads[0]
    with time_machine.travel(START, tick=False) as clock:
        link = f"/upload/{upload_token(lead)}/"
        assert _post(client, link, 1).status_code == 200
        assert _post(client, link, 2).status_code == 200
        stored = _stored_files(settings)
        assert Document.objects.filter(lead=lead).count() == 2 and stored == 2

        refused = _post(client, link, 3, address="198.51.100.9")  # another network, the same link
        page = refused.content.decode()
        assert refused.status_code == 429 and refused["Retry-After"] == "60"
        assert "Too many uploads" in page and "nothing from this attempt was kept" in page
        assert Document.objects.filter(lead=lead).count() == 2
        assert _stored_files(settings) == stored

        clock.move_to(START + timedelta(minutes=1))  # the next minute: the link is open again
        assert _post(client, link, 3).status_code == 200
    assert Document.objects.filter(lead=lead).count() == 3


def test_one_address_is_limited_across_links_and_others_are_not(client, leads, settings):
    with time_machine.travel(START, tick=False):
        first, second = (f"/upload/{upload_token(lead)}/" for lead in leads)
        assert [
            _post(client, link, seed).status_code for link, seed in [(first, 1), (first, 2), (second, 3)]
        ] == [
            200,
            200,
            200,
        ]
        refused = _post(client, second, 4)
        assert refused.status_code == 429 and "Too many uploads" in refused.content.decode()
        assert Document.objects.count() == 3 and _stored_files(settings) == 3
        # Someone else, on another address, with their own link, is not held up by it.
        assert _post(client, second, 4, address="198.51.100.9").status_code == 200
    assert Document.objects.count() == 4


def test_viewing_the_page_is_not_counted_and_a_limit_of_zero_switches_it_off(client, leads, settings):
    with time_machine.travel(START, tick=False):
        link = f"/upload/{upload_token(leads[0])}/"
        assert all(client.get(link).status_code == 200 for _ in range(5))
        assert [_post(client, link, seed).status_code for seed in (1, 2, 3)] == [200, 200, 429]
        settings.DOCUMENTS_UPLOADS_PER_LINK_PER_MINUTE = 0
        settings.DOCUMENTS_UPLOADS_PER_IP_PER_MINUTE = 0
        assert [_post(client, link, seed).status_code for seed in (3, 4, 5)] == [200] * 3
