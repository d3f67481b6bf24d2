"""Redaction at the door, with plain data: real-shaped vendor payloads of every kind."""

import json
from urllib.parse import parse_qs

import pytest

from firstcall.lib.redaction import (
    kind_for_name,
    looks_like_card,
    parse_birth_date,
    redact_body,
    redact_csv,
    redact_free_text,
)

SENSITIVE_DIGITS = ["123456789", "6789012345678901", "021000021", "4111111111111111", "D12345678"]

BANKRATE_JSON = {
    "leadId": "BR-88231907",
    "partnerLeadId": 4111111111111111,  # an identifier, not a card: left alone
    "borrower": {
        "firstName": "Ana", "lastName": "Lopez", "email": "ana.lopez@example.com",
        "phone": {"number": "8135550199", "type": "mobile"},
        "SSN": "123-45-6789", "dateOfBirth": "1980-01-02", "creditRating": "Good",
    },
    "coBorrower": {"firstName": "Luis", "social_security_number": "234567890", "DOB": "03/04/1982"},
    "loanRequest": {"purpose": "Purchase", "propertyValue": 350000, "zip": "33602"},
    "bankInfo": {"routingNumber": "021000021", "accountNumber": "000123456789"},
    "payment": {"cardNumber": "4111 1111 1111 1111", "cvv": "123"},
    "comments": "Please call after 5. My SSN is 345-67-8901 if you need it.",
}  # fmt: skip


def test_bankrate_style_json_keeps_only_markers_and_last_four():
    result = redact_body(json.dumps(BANKRATE_JSON), "application/json")
    data = json.loads(result.text)
    assert data["borrower"]["SSN"] == "[redacted SSN ending 6789]"
    assert data["borrower"]["dateOfBirth"] == "[redacted date of birth]"
    assert data["coBorrower"]["social_security_number"] == "[redacted SSN ending 7890]"
    assert data["coBorrower"]["DOB"] == "[redacted date of birth]"
    assert data["bankInfo"] == {
        "routingNumber": "[redacted routing number ending 0021]",
        "accountNumber": "[redacted account number ending 6789]",
    }
    assert data["payment"] == {
        "cardNumber": "[redacted card number ending 1111]",
        "cvv": "[redacted card security code]",
    }
    assert data["comments"] == "Please call after 5. My SSN is [redacted SSN ending 8901] if you need it."
    # What the product needs is untouched.
    assert data["borrower"]["phone"]["number"] == "8135550199"
    assert data["loanRequest"] == BANKRATE_JSON["loanRequest"]
    assert data["partnerLeadId"] == 4111111111111111 and data["leadId"] == "BR-88231907"
    # The borrower's (first) date of birth is handed back for encrypted storage.
    assert result.date_of_birth == "1980-01-02"
    for secret in ("123-45-6789", "234567890", "1980-01-02", "03/04/1982", "000123456789", "4111 1111"):
        assert secret not in result.text
    kinds = {(finding.kind, finding.where) for finding in result.findings}
    assert ("ssn", "SSN") in kinds and ("card_code", "cvv") in kinds and ("ssn", "comments") in kinds
    assert "6789" not in json.dumps([finding.as_json() for finding in result.findings])


def test_leadconduit_form_post_with_bracketed_and_flat_field_names():
    body = (
        "first_name=Jordan&last_name=Baker&email=jordan.baker%40example.com&phone_1=4045550177"
        "&borrower%5Bssn%5D=123456789&borrower.dob=1975-12-31&SocialSecurityNumber=123-45-6789"
        "&DriversLicense=GA12345678&comments=routing%20021000021%20account%20%23%206789012345678901"
        "&trustedform_cert_url=https%3A%2F%2Fcert.trustedform.com%2Fabc&lead_id=LC-5531"
    )
    result = redact_body(body, "application/x-www-form-urlencoded; charset=utf-8")
    fields = {name: values[0] for name, values in parse_qs(result.text).items()}
    assert fields["borrower[ssn]"] == "[redacted SSN ending 6789]"
    assert fields["borrower.dob"] == "[redacted date of birth]"
    assert fields["SocialSecurityNumber"] == "[redacted SSN ending 6789]"
    assert fields["DriversLicense"] == "[redacted driver licence ending 5678]"
    assert fields["comments"] == (
        "routing [redacted routing number ending 0021] account # [redacted account number ending 8901]"
    )
    assert fields["first_name"] == "Jordan" and fields["lead_id"] == "LC-5531"
    assert fields["trustedform_cert_url"] == "https://cert.trustedform.com/abc"
    assert result.date_of_birth == "1975-12-31"
    for digits in SENSITIVE_DIGITS:
        assert digits not in result.text


FREERATEUPDATE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<LeadInformation>
  <LeadId>FRU-4401927</LeadId>
  <Borrower FirstName="Maya" LastName="Chen" SSN="123-45-6789">
    <Email>maya.chen@example.com</Email>
    <HomePhone>(512) 555-0142</HomePhone>
    <DateOfBirth>07/15/1969</DateOfBirth>
    <DriversLicenseNumber>TX-04412345</DriversLicenseNumber>
  </Borrower>
  <CustomField name="Social_Security_Number">234-56-7890</CustomField>
  <Property><Zip>78701</Zip><EstimatedValue>525000</EstimatedValue></Property>
  <Comments>Card on file 5555555555554444, DOB: 07/15/1969</Comments>
</LeadInformation>"""


def test_freerateupdate_like_xml_redacts_elements_attributes_and_named_fields():
    result = redact_body(FREERATEUPDATE_XML, "text/xml")
    assert 'SSN="[redacted SSN ending 6789]"' in result.text
    assert "<DateOfBirth>[redacted date of birth]</DateOfBirth>" in result.text
    assert "<DriversLicenseNumber>[redacted driver licence ending 2345]</DriversLicenseNumber>" in result.text
    assert (
        '<CustomField name="Social_Security_Number">[redacted SSN ending 7890]</CustomField>' in result.text
    )
    assert "Card on file [redacted card number ending 4444], DOB: [redacted date of birth]" in result.text
    assert "<LeadId>FRU-4401927</LeadId>" in result.text and "<Zip>78701</Zip>" in result.text
    assert "(512) 555-0142" in result.text
    assert result.date_of_birth == "1969-07-15"
    for secret in ("123-45-6789", "234-56-7890", "07/15/1969", "04412345", "5555555555554444"):
        assert secret not in result.text


def test_csv_rows_redact_sensitive_columns_and_shapes_in_any_cell():
    text = (
        "First Name,Last Name,Email,SSN,Birth Date,Bank Account Number,Notes\n"
        'Ana,Lopez,ana@example.com,123-45-6789,1980-01-02,000123456789,"Visa 4111-1111-1111-1111"\n'
        "Ben,Ng,ben@example.com,,,,call after 5\n"
    )
    result = redact_csv(text)
    lines = result.text.splitlines()
    assert lines[0] == "First Name,Last Name,Email,SSN,Birth Date,Bank Account Number,Notes"
    assert lines[1] == (
        "Ana,Lopez,ana@example.com,[redacted SSN ending 6789],[redacted date of birth],"
        "[redacted account number ending 6789],Visa [redacted card number ending 1111]"
    )
    assert lines[2] == "Ben,Ng,ben@example.com,,,,call after 5"
    assert redact_body(text, "text/csv").text == result.text


@pytest.mark.parametrize(
    "comment, expected",
    [
        ("my social security number is 123456789", "my social security number is [redacted SSN ending 6789]"),
        ("SSN: 123 45 6789, cell 813-555-0199", "SSN: [redacted SSN ending 6789], cell 813-555-0199"),
        ("born on Jan 2, 1980", "born on [redacted date of birth]"),
        ("d.o.b. 1/2/80", "d.o.b. [redacted date of birth]"),
        (
            "ABA 021000021 acct # 12345678",
            "ABA [redacted routing number ending 0021] acct # [redacted account number ending 5678]",
        ),
        ("amex 378282246310005 please", "amex [redacted card number ending 0005] please"),
        ("order 1234567812345678 (not a card)", "order 1234567812345678 (not a card)"),
        ("call 1-813-555-0199 or 813.555.0100", "call 1-813-555-0199 or 813.555.0100"),
        ("ticket 900-12-3456", "ticket 900-12-3456"),  # area 9xx is never issued as an SSN
    ],
)
def test_free_text_comments(comment, expected):
    assert redact_free_text(comment).text == expected


@pytest.mark.parametrize(
    "name",
    ["SSN", "ssn", "social_security_number", "SocialSecurityNumber", "borrower.ssn", "borrower[SSN]",
     "co_borrower_ssn", "Social Security #", "SSN_TIN"],
)  # fmt: skip
def test_ssn_field_spellings(name):
    assert kind_for_name(name) == "ssn"


@pytest.mark.parametrize(
    "name",
    ["DOB", "dob", "dateOfBirth", "date_of_birth", "birth_date", "BirthDate", "Birthday", "borrower.dob"],
)
def test_birth_date_field_spellings(name):
    assert kind_for_name(name) == "date_of_birth"


@pytest.mark.parametrize(
    "name", ["first_name", "loan_number", "loan_account_number", "lead_id", "zip", "phone", "comments", "id"]
)
def test_ordinary_fields_are_not_sensitive(name):
    assert kind_for_name(name) is None


def test_card_numbers_need_a_network_prefix_and_the_luhn_check():
    assert looks_like_card("4111 1111 1111 1111") and looks_like_card("5555-5555-5555-4444")
    assert not looks_like_card("4111 1111 1111 1112")  # Luhn fails
    assert not looks_like_card("1234567812345670")  # Luhn passes, no network starts with 1


def test_birth_dates_read_in_every_vendor_shape_and_impossible_ones_refused():
    assert parse_birth_date("1980-01-02") == parse_birth_date("01/02/1980") == "1980-01-02"
    assert parse_birth_date("19800102") == parse_birth_date("Jan 2, 1980") == "1980-01-02"
    assert parse_birth_date("1980-01-02T00:00:00Z") == "1980-01-02"
    assert parse_birth_date("02/30/1980") == "" and parse_birth_date("1850-01-01") == ""
    assert parse_birth_date("3000-01-01") == "" and parse_birth_date("soon") == ""


def test_malformed_json_is_still_redacted_by_name_and_shape():
    result = redact_body(
        '{"first_name": "Ana", "ssn": "123456789", "dob": "1980-01-02", ', "application/json"
    )
    assert '"ssn": "[redacted SSN ending 6789]"' in result.text
    assert "123456789" not in result.text and "1980-01-02" not in result.text


def test_a_body_with_nothing_sensitive_is_kept_byte_for_byte():
    body = '{"first_name":  "Ana",\n "phone": "8135550199"}'
    result = redact_body(body, "application/json")
    assert result.text == body and not result.changed
