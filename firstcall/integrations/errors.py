class FileRejected(ValueError):
    """A file that cannot be read as the standard it claims: `code` for scripts, `message` for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message
