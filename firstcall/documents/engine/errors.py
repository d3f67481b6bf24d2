"""Why a file could not be read. Each carries a message a loan officer can act on."""


class DocumentError(Exception):
    """The file cannot be read; `code` is stable for scripts, the message is for people."""

    code = "unreadable"


class EmptyFile(DocumentError):
    code = "empty"


class UnsupportedType(DocumentError):
    code = "unsupported_type"


class CorruptFile(DocumentError):
    code = "corrupt"


class PasswordRequired(DocumentError):
    code = "needs_password"


class WrongPassword(PasswordRequired):
    code = "wrong_password"


class TooManyPages(DocumentError):
    code = "too_many_pages"


class ImageTooLarge(DocumentError):
    code = "image_too_large"


class OcrUnavailable(DocumentError):
    code = "ocr_unavailable"
