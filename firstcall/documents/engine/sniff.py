"""The file's type from its first bytes, never from its name or the browser's claim."""

from __future__ import annotations

from .errors import EmptyFile, UnsupportedType

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
HEIC = "image/heic"
SUPPORTED = (PDF, JPEG, PNG, TIFF)

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
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        raise UnsupportedType("HEIC photos are not supported yet; export the photo as JPEG and upload that.")
    for magic, what in _EXECUTABLES:
        if head.startswith(magic):
            raise UnsupportedType(f"The file is {what}, not a document. Upload a PDF, JPEG, PNG or TIFF.")
    raise UnsupportedType("The file is not a PDF, JPEG, PNG or TIFF (judged from its content, not its name).")
