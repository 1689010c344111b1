"""The pack as a PDF (fpdf2 through lantern.core.pdf.MarkedDocument): OFFICIAL-SENSITIVE on
every page, addressed to the person, each section in turn, then the list of redactions
with their exemptions, and the lawful basis for the disclosure.

Printed once, when a data protection officer checks the pack; the same bytes are
released. Only the rendered pack goes in: a redaction's covered text never does, unless
it was lifted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from fpdf.fonts import FontFace

from lantern.core.pdf import MARKING, MarkedDocument, printable

from .exemptions import citation
from .pack import RSection

LONDON = ZoneInfo("Europe/London")
REDACTION_COLUMNS = (("Redaction", 20), ("What kind of information", 46),
                     ("Exemption", 50), ("Why", 74))  # fmt: skip


def _line(pdf: MarkedDocument, text: str, height: float = 5) -> None:
    pdf.multi_cell(0, height, printable(text), new_x="LMARGIN", new_y="NEXT")


def pack_pdf(
    *,
    request,
    sections: Sequence[RSection],
    redactions: Sequence,
    lawful_basis: str,
    checked_by,
    checked_at: dt.datetime,
) -> bytes:
    person = request.person
    title = f"Subject access {request.reference}: {person.full_name}"
    pdf = MarkedDocument(title)
    pdf.set_title(printable(title))
    pdf.set_author("Lantern")
    pdf.set_creator("Lantern")
    pdf.set_subject(MARKING)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    _line(pdf, f"The information Lantern holds about {person.full_name}", 8)
    pdf.set_font("Helvetica", "", 10)
    checker = checked_by.get_full_name() or checked_by.get_username()
    for text in (
        f"Request {request.reference}, received {request.received_on:%-d %B %Y}; "
        f"the information as it stood on {request.prepared_at.astimezone(LONDON):%-d %B %Y}.",
        f"Checked by {checker}, data protection officer, on "
        f"{checked_at.astimezone(LONDON):%-d %B %Y}.",
        "Where other people's information appeared, it is replaced by a marker such as "
        "[redacted R12]. The list at the end gives, for each, what kind of information it "
        "was and why it was withheld. You may ask the data protection officer about any "
        "of them, and complain to the Information Commissioner's Office.",
        f"Lawful basis: {lawful_basis}.",
    ):
        _line(pdf, text)
    pdf.ln(2)
    for section in sections:
        _section(pdf, section)
    _redaction_list(pdf, [r for r in redactions if not r.lifted])
    return bytes(pdf.output())


def _section(pdf: MarkedDocument, section: RSection) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 13)
    _line(pdf, section.title, 7)
    pdf.set_font("Helvetica", "", 9)
    if section.intro:
        _line(pdf, section.intro, 4.5)
    if not section.items:
        _line(pdf, section.empty, 4.5)
        return
    for item in section.items:
        pdf.ln(1.5)
        pdf.set_font("Helvetica", "B", 9.5)
        _line(pdf, item.heading_text, 4.8)
        pdf.set_font("Helvetica", "I", 8.5)
        where = " - ".join(part for part in (item.when, item.agency) if part)
        if where:
            _line(pdf, where, 4.2)
        pdf.set_font("Helvetica", "", 9)
        for f in item.fields:
            _line(pdf, f"{f.label}: {f.text}", 4.5)


def _redaction_list(pdf: MarkedDocument, redactions: Sequence) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    _line(pdf, "What was withheld, and why", 7)
    pdf.set_font("Helvetica", "", 9)
    if not redactions:
        _line(pdf, "Nothing was withheld.")
        return
    _line(pdf, f"{len(redactions)} redactions. The information itself is not given.", 4.5)
    pdf.ln(1)
    pdf.set_font("Helvetica", "", 8.5)
    with pdf.table(
        col_widths=tuple(width for _, width in REDACTION_COLUMNS),
        text_align="LEFT",
        line_height=4.2,
        padding=1,
        v_align="TOP",
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
    ) as table:
        heading = table.row()
        for label, _ in REDACTION_COLUMNS:
            heading.cell(label)
        for redaction in redactions:
            row = table.row()
            row.cell(redaction.label)
            row.cell(printable(redaction.kind))
            row.cell(printable(citation(redaction.exemption)))
            row.cell(printable(redaction.why))
