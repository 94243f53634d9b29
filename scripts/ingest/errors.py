"""`ReadError`: a file that cannot be read (shared by the reader, the pre-flight and the pool)."""

from __future__ import annotations


class ReadError(Exception):
    """A file that cannot be read; `code` is a validation code, `message` Russian text."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
