"""The document engine on generated files, with the real pdfplumber, pypdf, pypdfium2, Pillow and Tesseract."""

import io
import random
from datetime import date
from decimal import Decimal

import pypdf
import pytest
from PIL import Image

from firstcall.documents.corpus.degrade import degrade
from firstcall.documents.corpus.generate import one
from firstcall.documents.corpus.score import score_fields
from firstcall.documents.engine import (
    CorruptFile,
    EmptyFile,
    ImageTooLarge,
    Limits,
    PasswordRequired,
    TooManyPages,
    UnsupportedType,
    WrongPassword,
    read_file,
)
from firstcall.documents.engine.checks import names_match, run_checks
from firstcall.documents.engine.model import Field


def _read(sample, **options):
    return read_file(sample.pdf, **options).as_json(sample.name)


@pytest.mark.parametrize("layout", [0, 1, 2])
@pytest.mark.parametrize("kind", ["w2", "paystub", "bank_statement", "form_1040"])
def test_text_pdf_fields_equal_the_ground_truth_in_every_layout(kind, layout):
    sample = one(kind, layout, seed=layout + 20)
    result = _read(sample)
    assert result["document_type"] == kind
    scored = score_fields(sample.truth, result["fields"])
    assert scored["wrong"] == []
    for field in result["fields"].values():
        assert field["method"] == "text_layer"
        assert 0 < field["confidence"] <= 1
        assert field["page"] >= 1 and len(field["bbox"]) == 4


def test_w2_arithmetic_checks_pass_on_a_consistent_form_and_raise_confidence():
    result = _read(one("w2", 0, seed=3))
    checks = {check["name"]: check for check in result["checks"]}
    assert checks["w2.social_security_tax"]["passed"] is True
    assert checks["w2.medicare_tax"]["passed"] is True
    assert result["fields"]["w2.box4_ss_tax"]["confidence"] >= 0.99


def test_social_security_tax_is_checked_against_the_years_wage_base():
    fields = {
        "w2.tax_year": Field(2024, 1, 1, None, "text_layer"),
        "w2.box3_ss_wages": Field(Decimal("200000.00"), 1, 1, None, "text_layer"),
        "w2.box4_ss_tax": Field(Decimal("12400.00"), 1, 1, None, "text_layer"),  # 6.2 % of 200,000: no cap
    }
    checks = {check.name: check for check in run_checks("w2", fields)}
    assert checks["w2.social_security_tax"].passed is False
    assert "168,600" in checks["w2.social_security_tax"].detail
    assert checks["w2.social_security_wage_base"].passed is False


def test_additional_medicare_tax_above_200000_is_expected_in_box_6():
    fields = {
        "w2.box5_medicare_wages": Field(Decimal("250000.00"), 1, 1, None, "text_layer"),
        "w2.box6_medicare_tax": Field(Decimal("4075.00"), 1, 1, None, "text_layer"),  # 3,625 + 450
    }
    assert {c.name: c for c in run_checks("w2", fields)}["w2.medicare_tax"].passed is True


def test_bank_statement_balance_arithmetic_and_the_listed_deposits_add_up():
    result = _read(one("bank_statement", 1, seed=4))
    checks = {check["name"]: check["passed"] for check in result["checks"]}
    assert checks == {"bank.balance_arithmetic": True, "bank.deposits_add_up": True}


def test_paystub_ytd_is_consistent_with_pay_date_and_frequency():
    sample = one("paystub", 0, seed=5)
    result = _read(sample)
    check = next(c for c in result["checks"] if c["name"] == "paystub.ytd_consistent")
    assert check["passed"] is True


def test_document_age_cites_the_selling_guide_and_fails_an_old_stub():
    sample = one("paystub", 2, seed=6, name="Maria Lopez")
    pay_date = sample.truth["paystub.pay_date"]
    fresh = _read(sample, as_of=pay_date, borrower_names=("Maria Lopez",))
    stale = _read(sample, as_of=date(pay_date.year + 1, pay_date.month, 1), borrower_names=("Ana Ruiz",))
    fresh_checks = {c["name"]: c for c in fresh["checks"]}
    stale_checks = {c["name"]: c for c in stale["checks"]}
    assert (
        fresh_checks["document_age"]["passed"] is True and "B1-1-03" in fresh_checks["document_age"]["detail"]
    )
    assert stale_checks["document_age"]["passed"] is False
    assert fresh_checks["name_matches_borrower"]["passed"] is True
    assert stale_checks["name_matches_borrower"]["passed"] is False


def test_names_match_ignores_order_case_and_initials():
    assert names_match("LOPEZ, MARIA A", "Maria Lopez")
    assert not names_match("Mario Lopez", "Maria Lopez")


def test_1040_with_schedule_pages_is_one_return():
    sample = one("form_1040", 2, seed=7)
    result = _read(sample)
    assert result["document_type"] == "form_1040"
    assert [page["document_type"] for page in result["page_types"]] == [
        "form_1040",
        "form_1040",
        "schedule_c",
        "schedule_e",
    ]
    assert result["fields"]["schedule_c.net_profit_31"]["page"] == 3


@pytest.mark.parametrize("kind", ["photo_id", "mortgage_statement", "other", "1099"])
def test_other_document_types_are_recognised(kind):
    sample = one(kind, 0, seed=8)
    assert _read(sample)["document_type"] == sample.document_type


def test_a_scanned_paystub_photo_is_read_with_tesseract():
    sample = one("paystub", 0, seed=9)
    scan, _info = degrade(sample.pdf, random.Random(1), as_pdf=False)
    assert scan[:3] == b"\xff\xd8\xff"
    result = read_file(scan).as_json("stub.jpg")
    assert result["document_type"] == "paystub"
    assert result["fields"]["paystub.gross_current"]["method"] == "ocr"
    scored = score_fields(sample.truth, result["fields"])
    assert scored["tp"] >= len(sample.truth) - 1
    assert scored["confident_wrong"] == 0


def test_a_zero_byte_file_and_a_renamed_program_are_refused_by_content():
    with pytest.raises(EmptyFile):
        read_file(b"")
    with pytest.raises(UnsupportedType, match="Windows program"):
        read_file(b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(UnsupportedType):
        read_file(b"just some text pretending to be a pdf")


def test_a_truncated_pdf_is_corrupt():
    data = one("w2", 0, seed=1).pdf
    with pytest.raises(CorruptFile):
        read_file(data[: len(data) // 3])


def _encrypted(data: bytes, password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_password_protected_pdf_asks_for_the_password_and_reads_with_it():
    sample = one("w2", 1, seed=2)
    locked = _encrypted(sample.pdf, "s3cret")
    with pytest.raises(PasswordRequired):
        read_file(locked)
    with pytest.raises(WrongPassword):
        read_file(locked, password="nope")
    result = read_file(locked, password="s3cret").as_json("w2.pdf")
    assert result["fields"]["w2.box1_wages"]["value"] == str(sample.truth["w2.box1_wages"])


def test_an_image_of_20000_by_20000_pixels_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000), 1).save(buffer, "PNG")
    with pytest.raises(ImageTooLarge, match="limit of 50,000,000 pixels"):
        read_file(buffer.getvalue())


def test_the_page_limit_is_configurable():
    sample = one("form_1040", 2, seed=3)  # four pages
    with pytest.raises(TooManyPages, match="limit is 3"):
        read_file(sample.pdf, limits=Limits(page_limit=3))
