"""County loan limit tables: `firstcall limits import-hud` / `import-fhfa`, and the assessment using them."""

import io
import json
from importlib import resources

from eligibility_scenarios import assess_program, check

from firstcall.eligibility.limits_cli import main as limits_main

RIVERSIDE = "06065"  # HUD 2026 one-unit FHA limit $690,000 (between the $541,287 floor and the ceiling)
SAMPLE = resources.files("firstcall.eligibility.rules").joinpath("cy2026-forward-limits-sample.txt")
FHFA_FILE = resources.files("firstcall.eligibility.rules").joinpath("FullCountyLoanLimitList2026.txt")


def run(*argv):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = limits_main(list(argv), stdout, stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def riverside_fha(base_loan: int) -> dict:
    return assess_program(
        "fha",
        state="CA",
        county_fips=RIVERSIDE,
        purchase_price=str(base_loan + 100000),
        down_payment="100000",
        monthly_income="30000",
    )


def test_without_hud_table_an_fha_loan_between_floor_and_ceiling_refers():
    fha = riverside_fha(600000)

    assert fha["status"] == "refer"
    assert "HUD" in check(fha, "fha.loan_limits")["message"]


def test_importing_hud_file_reports_the_table_and_is_idempotent(empty_limits_directory):
    code, output, _ = run("import-hud", str(SAMPLE))

    assert code == 0
    assert "HUD FHA forward mortgage limits 2026: 7 counties" in output
    assert "new table: 7 counties" in output
    assert (empty_limits_directory / "fha-2026.json").exists()

    code, output, _ = run("import-hud", str(SAMPLE))
    assert code == 0
    assert "no changes" in output


def test_reimport_prints_what_changed(tmp_path):
    run("import-hud", str(SAMPLE))
    changed = tmp_path / "cy2026-forward-limits.txt"
    text = SAMPLE.read_text(encoding="latin-1").replace(" 690000 883300", " 700000 883300")
    changed.write_text(text, encoding="latin-1")

    code, output, _ = run("import-hud", str(changed))

    assert code == 0
    assert "0 added, 1 changed, 0 removed" in output
    assert "changed 06065 RIVERSIDE COUNT, CA: 1 unit $690,000 -> $700,000" in output


def test_with_hud_table_the_county_limit_decides_and_the_assessment_names_the_table():
    run("import-hud", str(SAMPLE))

    within = riverside_fha(650000)
    over = riverside_fha(700000)

    assert within["status"] == "eligible"
    assert "$690,000" in check(within, "fha.loan_limits")["message"]
    assert within["limit_table"]["table"] == "HUD FHA forward mortgage limits 2026"
    assert within["limit_table"]["year"] == 2026
    assert within["limit_table"]["file"] == "cy2026-forward-limits-sample.txt"
    assert over["status"] == "ineligible"
    assert any(item["field"] == "down_payment" for item in over["suggestions"])


def test_hud_table_is_used_only_for_applications_in_its_year():
    run("import-hud", str(SAMPLE))

    fha = assess_program(
        "fha",
        as_of="2025-06-02",
        state="CA",
        county_fips=RIVERSIDE,
        purchase_price="700000",
        down_payment="100000",
    )

    assert fha["limit_table"] is None or fha["limit_table"]["kind"] != "fha"


def test_malformed_hud_file_writes_nothing_and_names_the_line(tmp_path, empty_limits_directory):
    bad = tmp_path / "cy2026-forward-limits.txt"
    lines = SAMPLE.read_text(encoding="latin-1").splitlines()
    lines[2] = lines[2][:80] + "ABCDEFG" + lines[2][87:]
    bad.write_text("\n".join(lines), encoding="latin-1")

    code, _, errors = run("import-hud", str(bad))

    assert code == 2
    assert "line 3" in errors and "nothing changed" in errors
    assert not (empty_limits_directory / "fha-2026.json").exists()


def test_file_without_a_year_needs_the_year_option(tmp_path):
    undated = tmp_path / "forward-limits.txt"
    undated.write_text(SAMPLE.read_text(encoding="latin-1"), encoding="latin-1")

    assert run("import-hud", str(undated))[0] == 2
    assert run("import-hud", str(undated), "--year", "2026")[0] == 0


def test_importing_fhfa_conforming_table_replaces_the_shipped_one_for_its_year(tmp_path):
    changed = tmp_path / "FullCountyLoanLimitList2026.txt"
    text = FHFA_FILE.read_text(encoding="utf-8").replace(
        "06|065|RIVERSIDECOUNTY|CA|40140|832750|", "06|065|RIVERSIDECOUNTY|CA|40140|900000|"
    )
    changed.write_text(text, encoding="utf-8")

    code, output, _ = run("import-fhfa", str(changed))
    conventional = assess_program("conventional", state="CA", county_fips=RIVERSIDE)

    assert code == 0
    assert "FHFA conforming loan limits 2026: 3,235 counties" in output
    assert conventional["limit_table"]["origin"] == "imported"
    assert "$900,000" in check(conventional, "conventional.conforming_limits")["message"]


def test_list_shows_imported_tables():
    run("import-hud", str(SAMPLE))

    code, output, _ = run("list")

    assert code == 0
    assert json.loads(output.splitlines()[0])["year"] == 2026
