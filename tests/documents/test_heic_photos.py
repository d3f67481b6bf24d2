"""An iPhone's HEIC photo of a document is recognised by its content, converted to an image and read with
Tesseract like any photo (pillow-heif, libheif in the wheel; the test photo is made here with its encoder)."""

import io
import random

import pytest
from PIL import Image

from firstcall.documents.corpus.degrade import degrade
from firstcall.documents.corpus.generate import one
from firstcall.documents.corpus.score import score_fields
from firstcall.documents.engine import read_file
from firstcall.documents.engine.sniff import HEIC, sniff
from firstcall.documents.models import Document

pillow_heif = pytest.importorskip("pillow_heif")


def _heic_photo(sample) -> bytes:
    jpeg, _info = degrade(sample.pdf, random.Random(2), as_pdf=False)
    photo = Image.open(io.BytesIO(jpeg)).convert("RGB")
    buffer = io.BytesIO()
    pillow_heif.from_pillow(photo).save(buffer, quality=90)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def stub():
    sample = one("paystub", 0, seed=9)
    return sample, _heic_photo(sample)


def test_a_heic_photo_is_sniffed_from_its_content_and_read_with_tesseract(stub):
    sample, heic = stub
    assert heic[4:12] in (b"ftypheic", b"ftypmif1") and sniff(heic[:1024]) == HEIC
    result = read_file(heic).as_json("IMG_0001.HEIC")
    assert result["document_type"] == "paystub" and result["pages"] == 1
    assert result["fields"]["paystub.gross_current"]["method"] == "ocr"
    scored = score_fields(sample.truth, result["fields"])
    assert scored["tp"] >= len(sample.truth) - 2 and scored["confident_wrong"] == 0


@pytest.fixture
def _document_storage(settings, tmp_path):
    settings.DOCUMENTS_DIR = str(tmp_path / "documents")
    settings.DOCUMENT_ENCRYPTION_KEY = "test-document-key"


@pytest.mark.usefixtures("_document_storage")
def test_a_heic_uploaded_on_the_lead_page_is_stored_as_heic_and_read(
    client, owner, organisation, stub, run_worker, django_capture_on_commit_callbacks
):
    from tests.outside_services import tampa_borrower

    lead = tampa_borrower(organisation, owner=owner, first_name="Dana", last_name="Whitfield")
    client.force_login(owner)
    handle = io.BytesIO(stub[1])
    handle.name = "photo.jpg"  # the name says JPEG; the content decides
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/leads/{lead.pk}/documents/upload/", {"files": [handle]})
    run_worker()
    document = Document.objects.get(lead=lead)
    assert document.media_type == "image/heic"
    assert document.status == Document.Status.NEEDS_REVIEW and document.document_type == "paystub"
    assert document.page_methods == ["ocr"]
    page = client.get(f"/documents/{document.pk}/pages/1.png")
    assert page.status_code == 200 and page["Content-Type"] == "image/png"
