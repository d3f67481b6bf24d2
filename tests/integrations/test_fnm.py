"""Fannie Mae 1003 3.2 flat file. samples/conventional_refinance_two_applicants.fnm is an invented married couple's
rate/term refinance written field by field from the 3.2 layout, with SSN keys as an LOS writes them."""

from decimal import Decimal

import pytest

from firstcall.integrations.fnm.convert import NotFnm, export_fnm, read_fnm
from firstcall.integrations.fnm.layout import RECORDS, line_width
from firstcall.integrations.models import LoanApplication
from firstcall.leads.models import Lead
from tests.integrations.conftest import SAMPLES, lead_values, run_command, run_json

SAMPLE = SAMPLES / "conventional_refinance_two_applicants.fnm"


def test_two_applicant_refinance_is_read_record_by_record():
    imported = read_fnm(SAMPLE.read_bytes())
    application = imported.application
    robert, linda = application["borrowers"]
    assert (robert["first_name"], robert["last_name"], robert["phone"]) == ("Robert", "Chen", "+16785550134")
    assert robert["email"] == "robert.chen@example.org" and str(robert["birth_date"]) == "1974-03-09"
    assert robert["employers"][0]["name"] == "Peachtree Logistics Inc"
    assert robert["incomes"] == [
        {"type": "base", "monthly_amount": Decimal("11250.00"), "employer": 0},
        {"type": "bonus", "monthly_amount": Decimal("1100.00"), "employer": 0},
    ]
    assert linda["middle_name"] == "M" and linda["employers"][0]["self_employed"] is True
    assert application["loan"]["purpose"] == "rate_term_refinance"
    assert application["loan"]["mortgage_type"] == "conventional"
    assert application["loan"]["amount"] == Decimal("412000.00")
    assert application["loan"]["interest_rate"] == Decimal("6.875")
    assert application["loan"]["loan_number"] == "LN-77120"
    assert application["property"]["existing_lien_balance"] == Decimal("301250.40")
    assert application["property"]["value"] == Decimal("615000.00")
    assert (application["property"]["state"], application["property"]["zip"]) == ("GA", "30004")
    assert [asset["borrowers"] for asset in application["assets"]] == [[0], [1]]
    assert application["liabilities"][0]["paid_off"] is True
    assert application["loan_officer"] == {"name": "Olivia Grant", "first_name": "Olivia", "last_name": "Grant",
                                           "phone": "+14045550100", "nmls_id": "1457126"}  # fmt: skip
    assert application["lender"]["nmls_id"] == "1456787"
    assert application["lead"]["annual_income"] == Decimal("325800.00")  # (11250 + 1100 + 14800) x 12
    assert application["lead"]["monthly_debts"] == Decimal("455.00")  # the mortgage is paid off
    assert imported.problems == []


def test_fields_the_import_does_not_read_are_listed_by_line_and_field():
    unplaced = read_fnm(SAMPLE.read_bytes()).unplaced
    # Real SSNs link the records but are not stored; the government monitoring record is not read.
    assert "line 10 03A-030" in unplaced and "line 10 03A-140" in unplaced
    assert "line 24 10A" in unplaced
    assert "line 7 02A-090" in unplaced  # legal description
    assert "line 8 02B-060" in unplaced  # manner title held
    assert "line 12 03C-090" in unplaced  # own / rent


def test_every_line_written_has_its_records_full_width(db, full_lead):
    code, text = run_command("fnm", "export", str(full_lead.pk))
    assert code == 0
    lines = text.split("\r\n")
    assert lines[-1] == ""
    for line in lines[:-1]:
        record_id = line[:3].rstrip()
        assert record_id in RECORDS, line
        assert len(line) == line_width(record_id), record_id
    assert lines[1].startswith("TH T100099-002")
    assert lines[3] == "0001  3.20 W"
    assert [line[:5] for line in lines if line.startswith("03A")] == ["03ABW", "03AQZ"]


def test_firstcall_to_fnm_to_firstcall_keeps_every_field(db, full_lead, other_organisation, tmp_path):
    before = lead_values(full_lead)
    code, text = run_command("fnm", "export", str(full_lead.pk))
    path = tmp_path / "loan.fnm"
    path.write_bytes(text.encode("latin-1"))
    code, body = run_json("fnm", "import", str(path), "--create", "--org", other_organisation.slug)
    assert code == 0, body
    assert body["problems"] == []
    assert body["unplaced"] == []
    copy = Lead.objects.get(pk=body["lead"]["id"])
    assert lead_values(copy) == before
    original = LoanApplication.objects.get(lead=full_lead).data
    copied = LoanApplication.objects.get(lead=copy).data
    assert copied["loan"]["loan_number"] == "2611-004512" and copied["loan"]["amount"] == "349812.50"
    assert copied["loan"]["term_months"] == 360 and copied["loan"]["interest_rate"] == "6.25"
    for index in (0, 1):
        mine, theirs = original["borrowers"][index], copied["borrowers"][index]
        for key in ("first_name", "last_name", "marital_status", "citizenship", "incomes"):
            assert theirs.get(key) == mine.get(key), (index, key)
        assert [e["name"] for e in theirs["employers"]] == [e["name"] for e in mine["employers"]]
        assert [e["start_date"] for e in theirs["employers"]] == [e["start_date"] for e in mine["employers"]]
    assert copied["borrowers"][0]["birth_date"] == "1988-04-17"
    # The lead's first-time buyer answer is URLA declaration A (no home owned in the past three years).
    assert copied["borrowers"][0]["declarations"] == {
        **original["borrowers"][0]["declarations"],
        "homeowner_past_three_years": False,
    }
    assert [(a["type"], a["value"], a["account_number"]) for a in copied["assets"]] == [
        (a["type"], a["value"], a["account_number"]) for a in original["assets"]
    ]
    assert [(item["type"], item["monthly_payment"], item["borrowers"]) for item in copied["liabilities"]] == [
        (item["type"], item["monthly_payment"], item["borrowers"]) for item in original["liabilities"]
    ]
    assert copied["loan_officer"]["nmls_id"] == "100001"


def test_a_truncated_line_is_refused_with_its_line_and_field(tmp_path, db):
    lines = SAMPLE.read_bytes().decode().split("\r\n")
    lines[14] = lines[14][:24]  # 05I: the monthly amount cut in the middle
    path = tmp_path / "cut.fnm"
    path.write_text("\r\n".join(lines))
    code, body = run_json("fnm", "import", str(path))
    assert code == 2
    assert body["error"] == "not_fnm"
    assert body["message"] == "line 15 (05I) is truncated inside 05I-040 (Monthly income amount)"


def test_a_line_cut_before_its_key_is_refused(tmp_path):
    lines = SAMPLE.read_bytes().decode().split("\r\n")
    lines[9] = "03ABW1234"
    with pytest.raises(NotFnm, match=r"line 10 \(03A\) is truncated: it ends before 03A-030"):
        read_fnm("\r\n".join(lines))


def test_an_unknown_record_type_is_reported_and_the_rest_read(tmp_path):
    text = SAMPLE.read_bytes().decode().replace("10A123456789", "ZZZ123456789")
    imported = read_fnm(text)
    assert imported.problems == ["line 24: record type 'ZZZ' is not in the 1003 3.2 layout"]
    assert "line 24 ZZZ" in imported.unplaced
    assert len(imported.application["borrowers"]) == 2


def test_trailing_blanks_may_be_stripped():
    text = "\r\n".join(line.rstrip() for line in SAMPLE.read_bytes().decode().split("\r\n"))
    assert read_fnm(text).application == read_fnm(SAMPLE.read_bytes().decode()).application


@pytest.mark.parametrize(
    "content",
    [b"", b"hello world\n", b"<MESSAGE/>", b"\x00\x01\x02", b"0001  3.10 W\r\n"],
    ids=["empty", "text", "xml", "binary", "version-3.1"],
)
def test_files_that_are_not_a_1003_flat_file_exit_2(tmp_path, db, content):
    path = tmp_path / "file.fnm"
    path.write_bytes(content)
    code, body = run_json("fnm", "import", str(path))
    assert code == 2 and body["error"] == "not_fnm" and body["message"]


def test_an_amount_too_large_for_its_field_is_refused_on_export():
    from firstcall.integrations.application import empty_application

    application = empty_application()
    application["loan"]["amount"] = Decimal("1234567890123.00")
    with pytest.raises(ValueError, match="01A-060"):
        export_fnm(application)


def test_import_prints_the_contract(db):
    code, body = run_json("fnm", "import", str(SAMPLE))
    assert code == 0
    assert [b["first_name"] for b in body["borrowers"]] == ["Robert", "Linda"]
    assert body["borrowers"][1]["monthly_income"] == "14800.00"
    assert body["loan"]["purpose"] == "rate_term_refinance" and body["loan"]["term_months"] == 360
    assert body["property"]["value"] == "615000.00" and body["property"]["state"] == "GA"
    assert body["lead"]["loan_balance"] == "301250.40"
