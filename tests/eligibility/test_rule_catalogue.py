"""The rule catalogue (workspace page and docs/assessment.md) is generated from the rules themselves."""

from firstcall.eligibility.catalogue import DOCUMENT_PATH, catalogue, render_markdown
from firstcall.eligibility.engine.rulebook import rule_book


def test_docs_assessment_md_matches_the_generator_output():
    # Regenerate with: python -m firstcall.eligibility.catalogue --write
    assert DOCUMENT_PATH.read_text(encoding="utf-8") == render_markdown()


def test_catalogue_lists_every_rule_version_with_citation_and_period():
    entries = catalogue()
    versions = sum(len(versions) for versions in rule_book().rules_by_id.values())

    assert len(entries) == versions
    usda_ratios = [entry for entry in entries if entry.id == "usda.dti"]
    assert [entry.period for entry in usda_ratios] == [
        "2020-01-01 to 2024-08-04",
        "2024-08-05 to 2025-11-03",
        "2025-11-04 to open",
    ]
    assert all(entry.citation["document"] and entry.citation["version"] for entry in entries)


def test_catalogue_page_lists_rules_for_signed_in_users(client, owner):
    assert client.get("/rules/").status_code == 302  # sign-in first
    client.force_login(owner)
    page = client.get("/rules/").content.decode()

    assert "fha.waiting_periods" in page
    assert "HUD Mortgagee Letter 2025-23" in page
    assert "in force today" in page
    assert 'href="/rules/"' in page  # the navigation links to it
