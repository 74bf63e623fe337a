"""PDF documents for committees and patients: a title block, paragraphs, tables, small bar
charts, and a footer with the page number and a confidentiality line.

Uses the system's DejaVu Sans when installed (any script); otherwise the PDF core font, with
characters outside Latin-1 replaced, so a document is always produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
MARGIN = 15


def _font_files() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    return None


class Document(FPDF):
    def __init__(self, title: str, subtitle: str = "", footer: str = "") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc_title = title
        self.footer_text = footer
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=18)
        files = _font_files()
        if files:
            self.add_font("Body", "", str(files[0]))
            self.add_font("Body", "B", str(files[1]))
            self.body_font = "Body"
            self.has_unicode = True
        else:
            self.body_font = "Helvetica"
            self.has_unicode = False
        self.set_title(title)
        self.set_creator("Hygeia")
        self.add_page()
        self.set_font(self.body_font, "B", 16)
        self.multi_cell(0, 8, self.clean(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(self.body_font, "", 10)
            self.multi_cell(0, 5, self.clean(subtitle), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def clean(self, value: object) -> str:
        out = str(value)
        if self.has_unicode:
            return out
        return out.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.body_font, "", 8)
        left = self.footer_text or self.doc_title
        self.cell(0, 5, self.clean(f"{left} · page {self.page_no()}/{{nb}}"), align="C")

    def heading(self, value: str) -> None:
        self.ln(2)
        self.set_font(self.body_font, "B", 12)
        self.multi_cell(0, 6, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def paragraph(self, value: str, size: int = 10) -> None:
        self.set_font(self.body_font, "", size)
        self.multi_cell(0, 5, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def facts(self, pairs: Sequence[tuple[str, object]]) -> None:
        """Label: value lines."""
        for label, value in pairs:
            self.set_font(self.body_font, "B", 10)
            self.cell(55, 5, self.clean(label))
            self.set_font(self.body_font, "", 10)
            self.multi_cell(0, 5, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def grid(
        self, headers: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]
    ) -> None:
        """A table whose header repeats on each page; long cells wrap."""
        self.set_font(self.body_font, "", 8)
        with super().table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=4.2,
            repeat_headings=1,
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 243)),
        ) as table:
            head = table.row()
            for name in headers:
                head.cell(self.clean(name))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.clean(value))
        self.ln(2)

    def bars(self, title: str, items: Sequence[tuple[str, float]], unit: str = "") -> None:
        """Horizontal bars: label, bar, value."""
        if not items:
            return
        self.heading(title)
        top = max(v for _, v in items) or 1
        width = self.w - 2 * MARGIN - 70
        self.set_font(self.body_font, "", 9)
        for label, value in items:
            if self.get_y() > self.h - 25:
                self.add_page()
            y = self.get_y()
            self.cell(55, 5, self.clean(label[:40]))
            self.set_fill_color(31, 95, 153)
            self.rect(MARGIN + 55, y + 0.8, max(width * value / top, 0.5), 3.4, style="F")
            self.set_x(MARGIN + 57 + width)
            self.cell(13, 5, self.clean(f"{value:g}{unit}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def render(self) -> bytes:
        self.alias_nb_pages()
        return bytes(self.output())


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M %Z").strip()
