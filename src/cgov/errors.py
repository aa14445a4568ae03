"""One error type for bad input: it names the file, and the row and column where they apply."""
from __future__ import annotations

from pathlib import Path


class DataError(Exception):
    """Bad or missing input data, described for a reader rather than a debugger.

    ``row`` is the 1-based line of the file counting the header as line 1, so it matches
    what a spreadsheet or text editor shows.
    """

    def __init__(self, path: str | Path, message: str, row: int | None = None,
                 column: str | None = None):
        self.path, self.row, self.column, self.message = Path(path), row, column, message
        where = [f"文件 {self.path.name}"]
        if row is not None:
            where.append(f"第 {row} 行")
        if column is not None:
            where.append(f"列 “{column}”")
        super().__init__(f"{'，'.join(where)}：{message}")
