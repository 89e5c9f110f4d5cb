"""The session report as a PDF (fpdf2, pure Python) and as the worker's review in the chat.

Both are pure functions of `ReportFacts`, in the same order. The PDF's built-in font covers
Latin-1 only: typographic quotes and dashes become their plain forms, anything else a `?`.
"""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from handlers.reports.facts import ReportFacts, ReportNote
from handlers.sessions.note_rules import KIND_WORDS
from storage.models import NoteKind

PDF_MEDIA_TYPE = "application/pdf"
KIND_HEADINGS = {
    NoteKind.OBSERVED: "Observed",
    NoteKind.SAID: "Said (quoted)",
    NoteKind.REPORTED: "Reported (with who said it)",
    NoteKind.VIEW: "The worker's professional opinion",
}
USE_FOOTER = (
    "CONFIDENTIAL. This report is for the child's social worker and the court. It must not be "
    "shared with a parent, or anyone else, without the social worker's decision. Do not copy "
    "or forward it; keep it only in the child's case record."
)
_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."})


PAGE_FOOTER = "Confidential: for the child's social worker and the court only."


class _ReportPdf(FPDF):
    """Every page says how the report may be used, and its page number."""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 5, f"{PAGE_FOOTER}  Page {self.page_no()}", align="C")


def _latin1(text: str) -> str:
    """The text in the PDF's core font's characters (typographic quotes and dashes made
    plain; anything else it can't show becomes '?')."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _note_line(note: ReportNote) -> str:
    """One note as the report prints it: a said note in quotes, a reported one with its source."""
    words = f'"{note.text}"' if note.kind is NoteKind.SAID else note.text
    if note.kind is NoteKind.REPORTED:
        words = f"{note.source or 'someone'} said: {words}"
    amended = " (amended: see Amendments)" if note.is_amended else ""
    return f"{note.written}  {words}{amended}"


def _sentence(text: str) -> str:
    """Words as a sentence: a full stop added unless they end with one (or ! or ?)."""
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _quoted(text: str) -> str:
    """Words quoted as a sentence, without a second full stop after one inside the quote."""
    return f'"{text}"' if text.endswith((".", "!", "?")) else f'"{text}".'


def _sections(facts: ReportFacts) -> list[tuple[str, list[str]]]:
    """The report's headings and lines, in the order both forms show them."""
    details = [
        f"Session reference: {facts.ref}",
        f"Date: {facts.day}",
        f"Planned time: {facts.planned}",
        f"Actual time: {facts.actual}",
        f"Venue and room: {facts.place}",
        f"Child brought by: {facts.brought_by}",
        f"Supervised by: {facts.worker}",
        f"Attended: {facts.attendees}",
        f"Children: {facts.children}",
        f"Supervision: {facts.supervision}",
    ]
    sections = [
        ("Session", details),
        ("Arrivals and departures", [f"{words}: {at}" for words, at in facts.timeline]),
    ]
    for kind, heading in KIND_HEADINGS.items():
        lines = [_note_line(n) for n in facts.notes if n.kind is kind]
        sections.append((f"Notes - {heading}", lines or ["None recorded."]))
    sections.append(("Alerts raised during the session", list(facts.alerts) or ["None."]))
    sections.append(("How the session ended", [facts.ending]))
    amendments = [
        f"Note of {a.original_written} ({KIND_WORDS[a.kind]}) amended at {a.written} by "
        f"{a.author}. Reason: {_sentence(a.reason)} Original (kept): {_quoted(a.original)} "
        f"Amended to: {_quoted(a.amended)}"
        for a in facts.amendments
    ]
    sections.append(("Amendments", amendments or ["None."]))
    return sections


def report_summary(facts: ReportFacts) -> str:
    """The worker's review in the chat: what the PDF will say, without the footer."""
    parts = [f"📝 Report for session {facts.ref}, {facts.day}"]
    for heading, lines in _sections(facts)[1:]:
        parts.append(f"\n{heading}:\n" + "\n".join(f"• {line}" for line in lines))
    return "\n".join(parts)


def report_pdf(facts: ReportFacts, *, service_name: str, made_at: datetime) -> bytes:
    """The report as a PDF; the same facts and time always give the same bytes."""
    pdf = _ReportPdf(format="A4")
    pdf.set_creation_date(made_at)
    pdf.set_title(_latin1(f"Session report {facts.ref}"))
    pdf.set_author(_latin1(service_name))
    pdf.set_auto_page_break(auto=True, margin=30)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    title = _latin1(f"{service_name}: family time session report")
    pdf.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for heading, lines in _sections(facts):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, _latin1(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 10)
        for line in lines:
            pdf.multi_cell(0, 5, _latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 9)
    pdf.multi_cell(0, 5, _latin1(USE_FOOTER), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
