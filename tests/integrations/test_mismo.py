from decimal import Decimal

import pytest

from firstcall.integrations.mismo.reader import read_mismo
from firstcall.integrations.mismo.validate import check_schema, check_structure
from firstcall.integrations.models import LoanApplication
from firstcall.integrations.safe_xml import MalformedXml, UnsafeXml, parse_untrusted
from firstcall.leads.models import IntakeRecord, Lead
from tests.integrations.conftest import SAMPLES, lead_values, run_command, run_json

DEAL = "/MESSAGE/DEAL_SETS/DEAL_SET/DEALS/DEAL"

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE MESSAGE [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<MESSAGE xmlns="http://www.mismo.org/residential/2009/schemas"><DEAL_SETS><DEAL_SET><DEALS><DEAL>
<PARTIES><PARTY><INDIVIDUAL><NAME><FirstName>&secret;</FirstName></NAME></INDIVIDUAL></PARTY></PARTIES>
</DEAL></DEALS></DEAL_SET></DEAL_SETS></MESSAGE>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<MESSAGE xmlns="http://www.mismo.org/residential/2009/schemas">&lol4;</MESSAGE>"""


def test_fha_purchase_with_two_borrowers_is_read_whole():
    imported = read_mismo((SAMPLES / "fha_purchase_two_borrowers.xml").read_bytes())
    application = imported.application
    maria, daniel = application["borrowers"]
    assert (maria["first_name"], maria["middle_name"], maria["last_name"]) == ("Maria", "Elena", "Reyes")
    assert (maria["phone"], maria["email"]) == ("+18135550142", "maria.reyes@example.com")
    assert maria["incomes"] == [
        {"type": "base", "monthly_amount": Decimal("6250.00"), "employer": 0},
        {"type": "overtime", "monthly_amount": Decimal("540.00"), "employer": 0},
    ]
    assert maria["employers"][0]["name"] == "Tampa General Hospital"
    assert maria["employers"][0]["years_in_line_of_work"] == 10
    assert maria["declarations"]["homeowner_past_three_years"] is False and maria["first_time_buyer"] is True
    assert maria["current_address"]["zip"] == "33607"
    assert daniel["citizenship"] == "permanent_resident" and daniel["employers"][0]["self_employed"] is True
    assert daniel["phone"] == "+17275550188"
    assert application["loan"] == {
        "amount": Decimal("349813.00"), "purpose": "purchase", "mortgage_type": "fha",
        "interest_rate": Decimal("6.2500"), "term_months": 360, "amortization": "fixed",
        "loan_number": "2611-004512", "agency_case_number": "093-1234567",
    }  # fmt: skip
    assert application["property"]["purchase_price"] == Decimal("362500.00")
    assert application["property"]["type"] == "single_family"
    assert [asset["borrowers"] for asset in application["assets"]] == [[0, 1], [0]]
    assert [liability["borrowers"] for liability in application["liabilities"]] == [[1], [0]]
    assert application["loan_officer"]["nmls_id"] == "1234567"
    assert application["lead"]["annual_income"] == Decimal("130680.00")  # (6250 + 540 + 4100) x 12 = 130680
    assert application["lead"]["monthly_debts"] == Decimal("497.00")
    assert application["lead"]["employment_type"] == "w2"
    assert imported.problems == []


def test_every_element_the_import_cannot_place_is_listed_by_xpath():
    imported = read_mismo((SAMPLES / "fha_purchase_two_borrowers.xml").read_bytes())
    assert imported.unplaced == [
        f"{DEAL}/PARTIES/PARTY[1]/ROLES/ROLE/BORROWER/GOVERNMENT_MONITORING/EXTENSION/OTHER/"
        "ULAD:GOVERNMENT_MONITORING_EXTENSION/ULAD:HMDAGenderType",
        f"{DEAL}/PARTIES/PARTY[1]/TAXPAYER_IDENTIFIERS/TAXPAYER_IDENTIFIER/TaxpayerIdentifierType",
        f"{DEAL}/PARTIES/PARTY[1]/TAXPAYER_IDENTIFIERS/TAXPAYER_IDENTIFIER/TaxpayerIdentifierValue",
        f"{DEAL}/PARTIES/PARTY[4]/LEGAL_ENTITY/LEGAL_ENTITY_DETAIL/FullName",
        f"{DEAL}/PARTIES/PARTY[4]/ROLES/ROLE/ROLE_DETAIL/PartyRoleType",
    ]


def test_va_cash_out_refinance_takes_the_paid_off_mortgage_as_the_current_balance():
    imported = read_mismo((SAMPLES / "va_cash_out_refinance.xml").read_bytes())
    application = imported.application
    assert application["loan"]["purpose"] == "cash_out_refinance"
    assert application["loan"]["mortgage_type"] == "va"
    assert application["loan"]["term_months"] == 360  # 30 years
    assert application["property"]["existing_lien_balance"] == Decimal("188400.00")
    assert application["property"]["type"] == "condo"
    borrower = application["borrowers"][0]
    assert borrower["veteran"] is True and borrower["suffix"] == "JR"
    assert borrower["phone"] == "+17575550123"
    assert application["lead"]["veteran"] is True
    assert application["lead"]["employment_type"] == "retired"
    assert application["lead"]["annual_income"] == Decimal("66603.00")
    assert "monthly_debts" not in application["lead"]  # the only debt is paid off by this loan
    assert imported.unplaced == []


@pytest.mark.parametrize("document", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_documents_with_a_dtd_are_refused_before_parsing(document):
    with pytest.raises(UnsafeXml):
        parse_untrusted(document)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("document", "error"),
    [
        (XXE, "unsafe_xml"),
        (BILLION_LAUGHS, "unsafe_xml"),
        (b"<MESSAGE><DEAL_SETS>", "malformed_xml"),
        (b"", "malformed_xml"),
        (b"<html><body>hello</body></html>", "not_mismo"),
        (b'<MESSAGE xmlns="http://www.mismo.org/residential/2009/schemas"/>', "not_mismo"),
    ],
    ids=["xxe", "billion-laughs", "truncated", "empty", "html", "no-deal"],
)
def test_import_command_exits_2_with_an_error_object(tmp_path, document, error):
    path = tmp_path / "file.xml"
    path.write_bytes(document)
    code, body = run_json("mismo", "import", str(path))
    assert code == 2
    assert body["error"] == error and body["message"]
    assert "root:" not in body["message"]  # nothing of /etc/passwd


def test_malformed_xml_names_the_problem():
    with pytest.raises(MalformedXml, match="not well-formed"):
        parse_untrusted(b"<MESSAGE><DEAL_SETS></MESSAGE>")


def test_import_without_create_prints_the_contract_and_stores_nothing(db, organisation):
    code, body = run_json("mismo", "import", str(SAMPLES / "fha_purchase_two_borrowers.xml"))
    assert code == 0
    assert [b["first_name"] for b in body["borrowers"]] == ["Maria", "Daniel"]
    assert body["borrowers"][0]["monthly_income"] == "6790.00"
    assert body["loan"] == {"purpose": "purchase", "amount": "349813.00", "mortgage_type": "fha",
                            "term_months": 360, "interest_rate": "6.25", "loan_number": "2611-004512"}  # fmt: skip
    assert body["property"]["state"] == "FL" and body["property"]["zip"] == "33611"
    assert body["property"]["value"] == "365000.00"
    assert body["lead"]["first_name"] == "Maria" and body["lead"]["loan_type"] == "fha"
    assert body["lead"]["down_payment"] == "12687.00"
    assert len(body["unplaced"]) == 5
    assert not Lead.objects.exists()


def test_import_with_create_makes_a_lead_and_keeps_the_application(db, organisation):
    code, body = run_json("mismo", "import", str(SAMPLES / "fha_purchase_two_borrowers.xml"), "--create")
    assert code == 0
    lead = Lead.objects.get(pk=body["lead"]["id"])
    assert (lead.first_name, lead.last_name, lead.phone) == ("Maria", "Reyes", "+18135550142")
    assert (lead.purpose, lead.loan_type, lead.zip_code, lead.state) == ("purchase", "fha", "33611", "FL")
    assert lead.annual_income == Decimal("130680.00") and lead.first_time_buyer is True
    application = LoanApplication.objects.get(lead=lead)
    assert application.loan_number == "2611-004512"
    assert application.data["borrowers"][1]["first_name"] == "Daniel"
    assert len(application.unplaced) == 5
    assert IntakeRecord.objects.get(lead=lead).status == IntakeRecord.Status.ACCEPTED
    # The same file again is the same lead, not a second one.
    code, again = run_json("mismo", "import", str(SAMPLES / "fha_purchase_two_borrowers.xml"), "--create")
    assert again["lead"]["id"] == lead.pk and Lead.objects.count() == 1


def test_export_is_a_valid_ulad_message(db, full_lead):
    code, xml = run_command("mismo", "export", str(full_lead.pk))
    assert code == 0
    root = parse_untrusted(xml.encode())
    assert check_structure(root) == []
    ns = {"m": "http://www.mismo.org/residential/2009/schemas", "xlink": "http://www.w3.org/1999/xlink"}
    deal = root.find("m:DEAL_SETS/m:DEAL_SET/m:DEALS/m:DEAL", ns)
    assert [child.tag.split("}")[1] for child in deal] == [
        "ASSETS", "COLLATERALS", "LIABILITIES", "LOANS", "PARTIES", "RELATIONSHIPS", "EXTENSION",
    ]  # fmt: skip
    licence = root.xpath(
        "//m:ROLE[m:ROLE_DETAIL/m:PartyRoleType='LoanOriginator']//m:LicenseIdentifier", namespaces=ns
    )
    assert [item.text for item in licence] == ["100001"]
    assert root.xpath("//m:LOAN/@LoanRoleType", namespaces=ns) == ["SubjectLoan"]
    assert len(root.xpath("//m:PARTY[.//m:PartyRoleType='Borrower']", namespaces=ns)) == 2


def test_firstcall_to_mismo_to_firstcall_keeps_every_field(db, full_lead, other_organisation, tmp_path):
    before = lead_values(full_lead)
    code, xml = run_command("mismo", "export", str(full_lead.pk))
    path = tmp_path / "loan.xml"
    path.write_text(xml)
    code, body = run_json("mismo", "import", str(path), "--create", "--org", other_organisation.slug)
    assert code == 0, body
    assert body["unplaced"] == [] and body["problems"] == []
    copy = Lead.objects.get(pk=body["lead"]["id"])
    assert copy.organisation == other_organisation
    assert lead_values(copy) == before
    original = LoanApplication.objects.get(lead=full_lead).data
    copied = LoanApplication.objects.get(lead=copy).data
    assert copied["loan"]["amount"] == "349812.50" and copied["loan"]["interest_rate"] == "6.25"
    assert copied["loan"]["loan_number"] == "2611-004512"
    for index in (0, 1):
        for key in ("middle_name", "birth_date", "marital_status", "citizenship", "employers", "incomes"):
            assert _without_blanks(copied["borrowers"][index].get(key)) == _without_blanks(
                original["borrowers"][index].get(key)
            ), (index, key)
    assert copied["borrowers"][1]["declarations"] == original["borrowers"][1]["declarations"]
    assert copied["assets"] == [{**asset, "mismo_type": ""} for asset in original["assets"]]
    assert copied["liabilities"][:2] == [
        {"account_number": "", "months_left": None, **liability} for liability in original["liabilities"]
    ]
    assert copied["loan_officer"]["nmls_id"] == "100001"


def _without_blanks(value):
    if isinstance(value, list):
        return [_without_blanks(item) for item in value]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v not in ("", None, "Current") and k != "status"}
    return None if value == "" else value


def test_structural_check_names_broken_links_bad_values_and_missing_containers():
    text = (SAMPLES / "fha_purchase_two_borrowers.xml").read_text()
    text = text.replace('xlink:to="BORROWER_2"/>', 'xlink:to="BORROWER_9"/>', 1)
    text = text.replace("<MortgageType>FHA</MortgageType>", "<MortgageType>Jumbo</MortgageType>")
    text = text.replace(
        "<BaseLoanAmount>349813.00</BaseLoanAmount>", "<BaseLoanAmount>$349,813</BaseLoanAmount>"
    )
    text = text.replace(
        "<BorrowerBirthDate>1988-04-17</BorrowerBirthDate>",
        "<BorrowerBirthDate>04/17/1988</BorrowerBirthDate>",
    )
    text = text.replace('LoanRoleType="SubjectLoan"', 'LoanRoleType="RelatedLoan"')
    problems = [str(problem) for problem in check_structure(parse_untrusted(text.encode()))]
    assert any("xlink:to 'BORROWER_9' names no xlink:label" in problem for problem in problems)
    assert any("'Jumbo' is not a MortgageType value" in problem for problem in problems)
    assert any("'$349,813' is not an amount" in problem for problem in problems)
    assert any("'04/17/1988' is not a date" in problem for problem in problems)
    assert any("LoanRoleType='SubjectLoan' is required" in problem for problem in problems)


def test_schema_is_applied_when_the_admin_supplies_one(tmp_path):
    document = parse_untrusted((SAMPLES / "va_cash_out_refinance.xml").read_bytes())
    accepting = tmp_path / "lax.xsd"
    accepting.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.mismo.org/residential/2009/schemas" '
        'elementFormDefault="qualified"><xs:element name="MESSAGE"><xs:complexType><xs:sequence>'
        '<xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>'
        '<xs:attribute name="MISMOReferenceModelIdentifier" use="required"/></xs:complexType></xs:element></xs:schema>'
    )
    assert check_schema(document, accepting) == []
    strict = tmp_path / "strict.xsd"
    strict.write_text(
        accepting.read_text().replace(
            'processContents="skip" minOccurs="0"', 'processContents="skip" minOccurs="5"'
        )
    )
    problems = check_schema(document, strict)
    assert problems and "MESSAGE" in problems[0].message


def test_validate_command_uses_the_configured_schema(db, settings, tmp_path):
    schema = tmp_path / "other.xsd"
    schema.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="OTHER"/></xs:schema>'
    )
    settings.MISMO_XSD = str(schema)
    code, body = run_json("mismo", "validate", str(SAMPLES / "va_cash_out_refinance.xml"))
    assert code == 0 and body["valid"] is False and body["schema"] is True
    settings.MISMO_XSD = ""
    code, body = run_json("mismo", "validate", str(SAMPLES / "va_cash_out_refinance.xml"))
    assert body == {"valid": True, "problems": [], "schema": False}


def test_export_of_an_unknown_lead_is_an_error(db):
    code, body = run_json("mismo", "export", "999999")
    assert code == 2 and body["error"] == "unknown_lead"
