"""`ReadError`: a file that cannot be read (shared by the reader, the pre-flight and the pool);
`rows_cols` for the size messages."""

from __future__ import annotations

from scripts.common.numfmt import plural

# SPEC §4 limits (config `limits:`), where the config does not set them. One place: the reader,
# the ingest entries and the methodology page (rules/common.smk) use these.
DEFAULT_LIMITS = {"max_file_mib": 20, "max_rows": 100_000, "max_columns": 200}


class ReadError(Exception):
    """A file that cannot be read; `code` is a validation code, `message` Russian text; `sheet`
    and `cell` where the problem is in one sheet (a size limit: the sheet, the farthest cell)."""

    def __init__(self, code: str, message: str, sheet: str = "", cell: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.sheet = sheet
        self.cell = cell


def rows_cols(rows: int, cols: int, joint: str = " и ") -> str:
    """«3 строки и 25 столбцов»."""
    return (f"{rows} {plural(rows, 'строку', 'строки', 'строк')}{joint}"
            f"{cols} {plural(cols, 'столбец', 'столбца', 'столбцов')}")  # fmt: skip
