"""Reading CSV files that people export from other systems: records with their physical lines.

Shared by every importer of CSV files (past calls, HSDS packages), so a problem is named the
same way everywhere: the line an editor's "go to line" finds, the column, the reason. Pure: no
Django.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# A file written on Windows often starts with a byte-order mark; csv would keep it in the header.
ENCODING = "utf-8-sig"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row (or the header, line 1) cannot be imported. `column` is empty for a whole row."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.line}:{self.column}: {self.reason}"
            if self.column
            else (f"{self.line}: {self.reason}")
        )

    def as_json(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


class HeaderError(ValueError):
    """The header does not fit the mapping (a required column missing, an unknown column)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class UnreadableFile(ValueError):
    """The file cannot be read on from `line` (not UTF-8 text): nothing of it is imported."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def csv_rows(stream: Iterable[str]) -> tuple[list[str], Iterator[tuple[int, list[str] | str]]]:
    """The header, then (line, cells) for each record.

    `line` is the physical line where the record starts (the header is line 1), so a quoted
    field spanning lines counts them all. Blank lines are skipped. A record the csv module
    cannot split (a stray quote) comes as (line, reason) instead of cells.
    """
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise HeaderError([Problem(1, "", "the file is empty (no header)")]) from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise HeaderError([Problem(1, "", f"cannot read the header: {error}")]) from None

    def rows() -> Iterator[tuple[int, list[str] | str]]:
        start = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield start, f"not a CSV record: {error}"
            except UnicodeDecodeError as error:
                raise UnreadableFile(
                    Problem(reader.line_num + 1, "", f"not UTF-8 text: {error.reason}")
                ) from None
            else:
                if cells:
                    yield start, cells
            start = reader.line_num + 1

    return header, rows()
