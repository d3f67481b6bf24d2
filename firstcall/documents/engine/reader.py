"""Pages, words and form fields from a PDF or an image, with OCR only where there is no text to read."""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from . import ocr
from .errors import CorruptFile, ImageTooLarge, PasswordRequired, TooManyPages, WrongPassword
from .model import METHOD_OCR, METHOD_TEXT_LAYER, Page, Word
from .sniff import HEIC, PDF, sniff

DEFAULT_PAGE_LIMIT = 50
# 50 megapixels: a 300 dpi letter page is 8.4 MP and a 48 MP phone photo still passes; a 20,000 x 20,000
# image (400 MP, about 1.2 GB decoded) does not.
DEFAULT_MAX_PIXELS = 50_000_000
# Scanned PDF pages are rendered at 170 dpi for OCR: 8-point print is still ~19 px tall. Measured on the
# corpus's scans (bench/ocr_profile.py, docs/documents.md): with sparse-text segmentation it reads more fields
# right than 200 dpi with full segmentation did, at 11 % less CPU a page.
OCR_DPI = 170
# Fewer words than this on a PDF page means a scan with at most a stamp of text: read it with OCR.
MIN_TEXT_LAYER_WORDS = 8
# Photos are shrunk to this long side before OCR (a letter page at 200 dpi): more pixels cost seconds and no
# accuracy on a letter page.
MAX_OCR_SIDE = 2200

logging.getLogger("pdfminer").setLevel(logging.ERROR)
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Limits:
    page_limit: int = DEFAULT_PAGE_LIMIT
    max_pixels: int = DEFAULT_MAX_PIXELS


def read_document(data: bytes, *, password: str | None = None, limits: Limits = Limits()) -> list[Page]:
    kind = sniff(data[:1024])
    if kind == PDF:
        return _read_pdf(data, password, limits)
    return _read_image(data, limits)


# --- PDF ---------------------------------------------------------------------------------------------------


def _open_pdf(data: bytes, password: str | None):
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # An owner password alone (printing/copying restrictions) opens with an empty user password.
            if reader.decrypt("") == 0:
                if not password:
                    raise PasswordRequired(
                        "The PDF is protected by a password. Enter it to read the document."
                    )
                if reader.decrypt(password) == 0:
                    raise WrongPassword("The password does not open this PDF.")
        page_count = len(reader.pages)
    except (PasswordRequired, WrongPassword):
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        raise CorruptFile("The PDF is damaged or incomplete and cannot be read.") from error
    except Exception as error:  # pypdf raises assorted errors on broken files; all mean the same here
        raise CorruptFile("The PDF is damaged or incomplete and cannot be read.") from error
    if page_count == 0:
        raise CorruptFile("The PDF has no pages.")
    return reader, page_count


def pdf_page_count(data: bytes, password: str | None = None) -> int:
    return _open_pdf(data, password)[1]


def _read_pdf(data: bytes, password: str | None, limits: Limits) -> list[Page]:
    import pdfplumber

    reader, page_count = _open_pdf(data, password)
    if page_count > limits.page_limit:
        raise TooManyPages(f"The PDF has {page_count} pages; the limit is {limits.page_limit}.")
    pages: list[Page] = []
    try:
        with pdfplumber.open(io.BytesIO(data), password=password or "") as document:
            for index, plumber_page in enumerate(document.pages):
                page = Page(index + 1, float(plumber_page.width), float(plumber_page.height))
                page.form_fields = _form_fields(reader.pages[index])
                raw = plumber_page.extract_words(keep_blank_chars=False, x_tolerance=1.5, y_tolerance=2)
                page.words = [
                    Word(item["text"], item["x0"], item["top"], item["x1"], item["bottom"]) for item in raw
                ]
                if len(page.words) < MIN_TEXT_LAYER_WORDS and not page.form_fields:
                    image = render_pdf_page(data, index + 1, password=password, dpi=OCR_DPI)
                    page.words = _ocr(image, dpi=OCR_DPI)
                    page.method = METHOD_OCR
                pages.append(page)
                # Drop pdfplumber's cached objects for the page: a long PDF is read in bounded memory.
                plumber_page.close()
    except Exception as error:
        if isinstance(error, (PasswordRequired, ocr.OcrUnavailable)):
            raise
        raise CorruptFile("The PDF is damaged or incomplete and cannot be read.") from error
    return pages


def _form_fields(pypdf_page) -> dict[str, str]:
    """AcroForm field values on one page, by the field's name (widgets without a value are skipped)."""
    values: dict[str, str] = {}
    for annotation in pypdf_page.get("/Annots") or []:
        try:
            widget = annotation.get_object()
            name = widget.get("/T")
            value = widget.get("/V")
            parent = widget.get("/Parent")
            if name is None and parent is not None:
                name = parent.get_object().get("/T")
                value = value if value is not None else parent.get_object().get("/V")
            if name is not None and value not in (None, ""):
                values[str(name)] = str(value).lstrip("/")
        except Exception:  # noqa: S112 - a broken widget is skipped, the text layer still counts
            continue
    return values


def render_pdf_page(data: bytes, number: int, *, password: str | None = None, dpi: int = 150) -> Image.Image:
    import pypdfium2

    document = pypdfium2.PdfDocument(data, password=password)
    try:
        page = document[number - 1]
        bitmap = page.render(scale=dpi / 72, grayscale=False)
        image = bitmap.to_pil()
        page.close()
        return image
    finally:
        document.close()


# --- Images ------------------------------------------------------------------------------------------------


def _register_heic() -> None:
    """Teach Pillow to open HEIC (pillow-heif); the photo is then an image like any other, converted to RGB
    for OCR. Registering twice is harmless."""
    from pillow_heif import register_heif_opener

    register_heif_opener()


def _open_image(data: bytes, limits: Limits) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    if sniff(data[:1024]) == HEIC:
        _register_heic()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limits.max_pixels:
                raise ImageTooLarge(
                    f"The image is {width:,} x {height:,} pixels; the limit is {limits.max_pixels:,} pixels."
                )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageTooLarge(
            f"The image is larger than the limit of {limits.max_pixels:,} pixels and was not opened."
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise CorruptFile("The image is damaged or incomplete and cannot be read.") from error
    return image


def image_frames(data: bytes, limits: Limits = Limits()) -> list[Image.Image]:
    image = _open_image(data, limits)
    frames = []
    frame_count = getattr(image, "n_frames", 1)
    if frame_count > limits.page_limit:
        raise TooManyPages(f"The image has {frame_count} pages; the limit is {limits.page_limit}.")
    for index in range(frame_count):
        image.seek(index)
        frame = ImageOps.exif_transpose(image.copy()) if index == 0 else image.copy()
        frames.append(frame.convert("RGB"))
    return frames


def _image_dpi(image: Image.Image) -> float:
    stated = image.info.get("dpi")
    if stated and float(stated[0]) >= 100:
        return float(stated[0])
    # A photo states no useful resolution: take the page for a letter sheet across the picture.
    return max(image.width / 8.5, 50.0)


def _read_image(data: bytes, limits: Limits) -> list[Page]:
    pages = []
    for index, frame in enumerate(image_frames(data, limits)):
        dpi = _image_dpi(frame)
        page = Page(index + 1, frame.width * 72 / dpi, frame.height * 72 / dpi, method=METHOD_OCR)
        page.words = _ocr(frame, dpi=dpi)
        pages.append(page)
    return pages


def _ocr(image: Image.Image, *, dpi: float) -> list[Word]:
    longest = max(image.size)
    if longest > MAX_OCR_SIDE:
        factor = MAX_OCR_SIDE / longest
        image = image.resize(
            (int(image.width * factor), int(image.height * factor)), Image.Resampling.LANCZOS
        )
        dpi *= factor
    straight, _angle = ocr.deskew(image)
    return ocr.ocr_words(straight, points_per_pixel=72 / dpi)


def render_page_image(
    data: bytes, number: int, *, password: str | None = None, dpi: int = 110
) -> Image.Image:
    """The page as a picture for the review screen (PDFs rendered, images as uploaded)."""
    if sniff(data[:1024]) == PDF:
        return render_pdf_page(data, number, password=password, dpi=dpi)
    frames = image_frames(data)
    return frames[number - 1]


def is_text_method(page: Page) -> bool:
    return page.method == METHOD_TEXT_LAYER
