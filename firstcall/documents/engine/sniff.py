"""The file's type from its first bytes, never from its name or the browser's claim."""

from __future__ import annotations

from .errors import EmptyFile, UnsupportedType

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
HEIC = "image/heic"
# HEIC (an iPhone camera's photos) is read through pillow-heif (libheif with its HEVC decoder, in the wheel).
HEIC_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1")
SUPPORTED = (PDF, JPEG, PNG, TIFF, HEIC)


def heic_readable() -> bool:
    try:
        import pillow_heif  # noqa: F401
    except ImportError:
        return False
    return True


_EXECUTABLES = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS program"),
    (b"#!", "a script"),
)


def sniff(head: bytes) -> str:
    """The media type of a file from its first bytes (16 are enough)."""
    if not head:
        raise EmptyFile("The file is empty (0 bytes).")
    # PDF readers accept the marker anywhere in the first kilobyte; some generators put junk before it.
    if b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        if heic_readable():
            return HEIC
        raise UnsupportedType("HEIC photos cannot be read here; export the photo as JPEG and upload that.")
    for magic, what in _EXECUTABLES:
        if head.startswith(magic):
            raise UnsupportedType(
                f"The file is {what}, not a document. Upload a PDF, JPEG, PNG, TIFF or HEIC."
            )
    raise UnsupportedType(
        "The file is not a PDF, JPEG, PNG or TIFF, nor an iPhone's HEIC photo (judged from its content, not its name)."
    )
