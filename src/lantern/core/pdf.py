"""The page every Lantern PDF is printed on (fpdf2, pure Python): A4, marked
OFFICIAL-SENSITIVE at the top and bottom of every page, with the document's title and
"Page n of m" in the footer.

Text is set in the PDF's built-in Helvetica, which needs no font file and keeps the text
searchable; it covers Windows-1252 (accents, curly quotes, dashes). `printable` turns any
other character into "?" rather than failing the export.
"""

from __future__ import annotations

import unicodedata

from fpdf import FPDF

MARKING = "OFFICIAL-SENSITIVE"


def printable(text: str) -> str:
    """Text the built-in fonts can print: composed, then anything outside Windows-1252
    as "?"."""
    text = unicodedata.normalize("NFC", text or "")
    return text.encode("cp1252", "replace").decode("cp1252")


class MarkedDocument(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.running_title = title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(10, 16, 10)

    def header(self) -> None:
        self.set_y(6)
        self.set_font("Helvetica", "B", 10)
        self.cell(0, 5, MARKING, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_y(16)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 4, printable(self.running_title), align="L")
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R", new_x="LMARGIN")
        self.set_y(-9)
        self.set_font("Helvetica", "B", 10)
        self.cell(0, 5, MARKING, align="C")
