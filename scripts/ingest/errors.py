"""`ReadError`: a file that cannot be read (shared by the reader, the pre-flight and the pool)."""

from __future__ import annotations


class ReadError(Exception):
    """A file that cannot be read; `code` is a validation code, `message` Russian text; `sheet`
    and `cell` where the problem is in one sheet (a size limit: the sheet, the farthest cell)."""

    def __init__(self, code: str, message: str, sheet: str = "", cell: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.sheet = sheet
        self.cell = cell
