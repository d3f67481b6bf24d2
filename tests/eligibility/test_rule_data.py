"""The shipped rule files: dated, cited, loadable from the installed package, and free of Django."""

import json
import subprocess
import sys
from decimal import Decimal

from firstcall.eligibility.engine.counties import county_by_fips, county_table, derive_display_names
from firstcall.eligibility.engine.rulebook import PROGRAMS, load_rule_book, read_rule_text
from tests.conftest import REPO_ROOT, own_code_env

COUNTY_FILE = "FullCountyLoanLimitList2026.txt"


def test_every_program_has_a_rule_file_and_every_rule_is_dated_and_cited():
    for name in PROGRAMS:
        data = json.loads(read_rule_text(f"{name}.json"))
        assert data["program"] == name
        for rule in data["rules"]:
            assert {"id", "effective_from", "effective_to", "source", "params"} <= set(rule), rule.get("id")
            assert rule["id"].startswith(f"{name}.")
            assert rule["source"].startswith(("https://", "http://")), rule["id"]


def test_rule_book_loads_without_overlapping_versions():
    book = load_rule_book()

    assert book.version
    assert set(book.programs) == set(PROGRAMS)
    for versions in book.rules_by_id.values():
        for earlier, later in zip(versions, versions[1:], strict=False):
            assert earlier.effective_to is not None and earlier.effective_to < later.effective_from


def test_county_table_has_every_2026_county_with_four_unit_limits():
    table = county_table(COUNTY_FILE)

    assert len(table) == 3235
    assert county_by_fips("12086", COUNTY_FILE).limits_by_units == (
        Decimal(832750),
        Decimal(1066250),
        Decimal(1288800),
        Decimal(1601750),
    )
    assert county_by_fips("06037", COUNTY_FILE).limit(1) == Decimal(1249125)
    assert county_by_fips("06037", COUNTY_FILE).display_name == "Los Angeles County"
    assert all(county.limit(1) >= Decimal(832750) for county in table.values())


def test_engine_imports_nothing_from_django():
    code = (
        "import sys, firstcall.eligibility.engine as engine, firstcall.eligibility.cli;"
        "engine.assess({'as_of': '2026-03-02'});"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'django'))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        env=own_code_env(),
    )

    assert completed.stdout.strip() == "[]"


def test_shipped_county_names_match_the_zipcodes_package():
    shipped = json.loads(read_rule_text("county_names.json"))

    assert shipped == derive_display_names(COUNTY_FILE)


def test_counties_missing_from_zipcodes_still_get_a_readable_name():
    assert county_by_fips("09190", COUNTY_FILE).display_name == "Western Connecticut Planning Region"
