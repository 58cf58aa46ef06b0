"""Printable documents as PDF (ADR 0018): a title, who it was prepared for and when, the §2.32
notice when a Part 2 item is on it, a list of facts and one table.

Pages describe their documents with `Document`; fpdf2 lays them out in Public Sans (the font the
pages use, from the vendored USWDS assets), embedded so any name in any Latin script prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from fpdf import FPDF
from fpdf.fonts import FontFace

FONT = "PublicSans"
FONT_FILES = {"": "PublicSans-Regular.ttf", "B": "PublicSans-Bold.ttf"}
WIDE_TABLE = 4  # a table of more columns than this is printed on a landscape page


@dataclass(frozen=True)
class Table:
    heading: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    empty: str  # printed instead of the table when it has no rows


@dataclass(frozen=True)
class Document:
    title: str
    prepared: str  # for whom, by whom and when: the first line under the title
    notice: str = ""  # the §2.32 notice: printed before anything else when it is given
    facts: Sequence[tuple[str, str]] = ()
    tables: Sequence[Table] = field(default_factory=tuple)


@cache
def _font_path(style: str) -> Path:
    found = finders.find(f"vendor/uswds/fonts/public-sans/{FONT_FILES[style]}")
    if not found:
        raise RuntimeError("The Public Sans font is missing: run `make install` to copy assets.")
    return Path(str(found))


class _Pages(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, f"{self.title} · page {self.page_no()} of {{nb}}", align="C")


def render(document: Document) -> bytes:
    wide = any(len(table.header) > WIDE_TABLE for table in document.tables)
    pdf = _Pages(orientation="landscape" if wide else "portrait", format="letter")
    for style in FONT_FILES:
        pdf.add_font(FONT, style=style, fname=_font_path(style))
    pdf.set_title(document.title)
    pdf.set_creator("Crossroads")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    _heading(pdf, document)
    if document.notice:
        _notice(pdf, document.notice)
    _facts(pdf, document.facts)
    for table in document.tables:
        _table(pdf, table)
    return bytes(pdf.output())


def _heading(pdf: FPDF, document: Document) -> None:
    pdf.set_font(FONT, style="B", size=16)
    pdf.multi_cell(0, 8, document.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, 5, document.prepared, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _notice(pdf: FPDF, notice: str) -> None:
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(0, 5, notice, border=1, padding=2, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _facts(pdf: FPDF, facts: Sequence[tuple[str, str]]) -> None:
    for label, text in facts:
        pdf.set_font(FONT, style="B", size=10)
        pdf.multi_cell(50, 6, label, align="L", new_x="RIGHT", new_y="TOP")
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font(FONT, style="B", size=12)
    pdf.multi_cell(0, 8, table.heading, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    if not table.rows:
        pdf.multi_cell(0, 5, table.empty, align="L", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(
        headings_style=FontFace(emphasis="BOLD"), line_height=5, text_align="LEFT", padding=1
    ) as rows:
        for values in (table.header, *table.rows):
            row = rows.row()
            for value in values:
                row.cell(value)
    pdf.ln(3)


def pdf_response(document: Document, filename: str) -> HttpResponse:
    response = HttpResponse(render(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
