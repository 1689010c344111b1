"""The chronology as a PDF (fpdf2, pure Python): marked OFFICIAL-SENSITIVE on every page,
with a header naming the child, who exported it and when.

Text is set in the PDF's built-in Helvetica, which needs no font file and keeps the
text searchable; it covers Windows-1252 (accents, curly quotes, dashes). Any other
character is printed as "?" rather than failing the export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from fpdf.fonts import FontFace

from lantern.core.pdf import MARKING, MarkedDocument, printable
from lantern.people.models import Person

from .selectors import KINDS, Entry, Filters

LONDON = ZoneInfo("Europe/London")
COLUMNS = (("When", 27), ("Type", 28), ("Agency", 36), ("Entry", 99))


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(LONDON).strftime("%-d %b %Y, %H:%M")


def chronology_pdf(
    *,
    person: Person,
    entries: Sequence[Entry],
    exported_by,
    exported_at: dt.datetime,
    filters: Filters,
    agency_names: dict[str, str],
) -> bytes:
    """The PDF file's bytes."""
    title = f"Chronology: {person.full_name} ({person.reference})"
    pdf = MarkedDocument(title)
    pdf.set_title(printable(title))
    pdf.set_author(printable(str(exported_by)))
    pdf.set_creator("Lantern")
    pdf.set_subject(MARKING)
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, printable(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    born = person.date_of_birth.strftime("%-d %B %Y") if person.date_of_birth else "not known"
    who = exported_by.get_full_name() or exported_by.get_username()
    agency = exported_by.agency.name if exported_by.agency else "no agency"
    lines = [
        f"Date of birth: {born}",
        f"Exported by {who} ({exported_by.get_username()}), {agency}, "
        f"on {_local(exported_at)} (London time)",
        "Shows " + _filters_described(filters, agency_names) + f": {len(entries)} entries, "
        "newest first.",
        "Only what the person exporting may see: other agencies may hold more. "
        "Handle, store and share this document as OFFICIAL-SENSITIVE.",
    ]
    for line in lines:
        pdf.multi_cell(0, 5, printable(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    if not entries:
        pdf.multi_cell(0, 6, "No entries.", new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    pdf.set_font("Helvetica", "", 8.5)
    with pdf.table(
        col_widths=tuple(width for _, width in COLUMNS),
        text_align="LEFT",
        line_height=4.2,
        padding=1,
        v_align="TOP",
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
    ) as table:
        heading = table.row()
        for label, _ in COLUMNS:
            heading.cell(label)
        for entry in entries:
            row = table.row()
            row.cell(_local(entry.when))
            row.cell(printable(KINDS[entry.kind]))
            row.cell(printable(entry.agency_name or "-"))
            text = entry.title + (f". {entry.summary}" if entry.summary else "")
            if entry.restricted:
                text = "[Restricted] " + text
            row.cell(printable(text))
    return bytes(pdf.output())


def _filters_described(filters: Filters, agency_names: dict[str, str]) -> str:
    if not filters.agency and not filters.kinds:
        return "every entry"
    parts = []
    if filters.kinds:
        parts.append(", ".join(KINDS[k].lower() for k in KINDS if k in filters.kinds))
    else:
        parts.append("every type of entry")
    if filters.agency:
        parts.append("from " + agency_names.get(filters.agency, filters.agency))
    return " ".join(parts)
