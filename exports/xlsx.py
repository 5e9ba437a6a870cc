"""Sheets of DataFrames → an .xlsx workbook in the frame of Chinese dispatch tables.

Frame of every sheet (WORKBOOKS.md §3.0): row 1 the title merged across all columns; row 2
制表单位 left, the first table's caption (一、…) in the middle when it has one, and 截至/执行日期
right; row 3 the column headers; data from row 4; a 合计 row of =SUM() formulas; a later table
after a blank row, its caption and its header; 注 lines; the signature row. Panes freeze below
the header and an autofilter covers the header and data of the first table. Nothing here knows the plan:
frames.py decides what the sheets hold.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from copy import copy
from datetime import timedelta
from numbers import Number
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from exports import labels as L
from exports.frames import Sheet, Table, build_sheets
from models.instance import Instance
from models.io import write_atomic
from models.plan import Plan

FIRST_HEADER_ROW = 3
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONTS = {"zh": ("宋体", "黑体"), "en": ("Calibri", "Calibri")}  # body, title
MAX_WIDTH, MIN_WIDTH, HEADER_ONE_LINE = 30, 6, 12
LINE_HEIGHT = 15  # points per line of 11-point text
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
UNIT_PART = re.compile(r"^(.+?)\s*([（(][^（()）]*[）)])$")


def write_workbook(instance: Instance, plan: Plan, path: Path, lang: str = "zh") -> None:
    """Write the plan as a dispatch workbook; the file appears whole or not at all."""
    sheets = build_sheets(instance, plan, lang)
    write_atomic(Path(path), workbook_bytes(instance, sheets, lang))


def workbook_bytes(instance: Instance, sheets: list[Sheet], lang: str) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = instance.issuing_office
    wb.properties.title = sheets[0].title if sheets else ""
    used: set[str] = set()
    styles = _CellStyles(FONTS[lang][0])
    for sheet in sheets:
        ws = wb.create_sheet(safe_sheet_name(sheet.name, used))
        _write_sheet(ws, instance, sheet, lang, styles)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def safe_sheet_name(name: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique (case-insensitive)."""
    base = BAD_SHEET_CHARS.sub("_", name).strip("'") or "Sheet"
    candidate, k = base[:31], 2
    while candidate.lower() in used:
        suffix = f"({k})"
        candidate, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(candidate.lower())
    return candidate


def display_width(text: object) -> int:
    """Width in Excel character units: CJK and full-width characters count double."""
    text = str(text)
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _cell_value(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    return value


def _number_format(value: object) -> str:
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "#,##0"
    return "#,##0.0#"


def _shown(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, Number):
        return "" if value is None else str(value)
    return f"{value:,.0f}" if _number_format(value) == "#,##0" else f"{value:,.2f}"


def _write_sheet(ws: Worksheet, instance: Instance, sheet: Sheet, lang: str, styles: _CellStyles) -> None:
    body, title_font = FONTS[lang]
    ncols = max(2, *(len(t.frame.columns) for t in sheet.tables))
    widths = _column_widths(sheet.tables, ncols)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width

    _merged(ws, 1, 1, ncols, sheet.title, Font(name=title_font, bold=True, size=16),
            Alignment(horizontal="center", vertical="center"))
    ws.row_dimensions[1].height = 32
    as_of = instance.plan_date - timedelta(days=1)
    issued = L.frame_text("issued_by", lang, office=instance.issuing_office)
    stamp = L.frame_text("as_of", lang, as_of=as_of, hour=instance.as_of_hour, date=instance.plan_date)
    # The first table's caption stands in row 2 between the issuing office and the as-of stamp,
    # right above its header: the header stays in row 3 on every sheet (the house frame).
    first_caption = sheet.tables[0].caption if sheet.tables else None
    left, right, crowded = _row2_columns(widths, ncols, issued, stamp, first_caption)
    wrap = {"wrap_text": True} if crowded else {}
    _merged(ws, 2, 1, left, issued, Font(name=body, size=10),
            Alignment(horizontal="left", vertical="center", **wrap))
    if first_caption:
        _merged(ws, 2, left + 1, right - 1, first_caption, Font(name=body, bold=True, size=12),
                Alignment(horizontal="center", vertical="center", **wrap))
    _merged(ws, 2, right, ncols, stamp, Font(name=body, size=10),
            Alignment(horizontal="right", vertical="center", **wrap))
    if crowded:
        ws.row_dimensions[2].height = 2 * LINE_HEIGHT + 4

    row = FIRST_HEADER_ROW
    for k, table in enumerate(sheet.tables):
        if k > 0:  # a blank row, the caption, then the header
            row += 1
            if table.caption:
                _merged(ws, row, 1, ncols, table.caption, Font(name=body, bold=True, size=12),
                        Alignment(horizontal="left", vertical="center"))
                row += 1
        header_row = row
        last_data_row = _write_table(ws, table, header_row, widths, body, styles)
        if k == 0:
            ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
            last_col = get_column_letter(len(table.frame.columns))
            ws.auto_filter.ref = f"A{header_row}:{last_col}{max(last_data_row, header_row + 1)}"
            ws.print_title_rows = f"{header_row}:{header_row}"
        row = _write_total(ws, table, header_row, last_data_row, lang, body) + 1

    for n, text in enumerate(sheet.notes, start=1):
        lead = L.frame_text("notes_lead", lang) if n == 1 else " " * display_width(L.frame_text("notes_lead", lang))
        _merged(ws, row, 1, ncols, f"{lead}{n}.{'' if lang == 'zh' else ' '}{text}", Font(name=body, size=10),
                Alignment(horizontal="left", vertical="top", wrap_text=True))
        ws.row_dimensions[row].height = 14 * math.ceil(display_width(text) / max(sum(widths) - 4, 10) + 0.05) + 4
        row += 1
    _merged(ws, row, 1, ncols, L.frame_text("signature", lang), Font(name=body, size=11),
            Alignment(horizontal="left", vertical="center"))
    ws.row_dimensions[row].height = 28

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _row2_columns(widths: list[float], ncols: int, issued: str, stamp: str,
                  caption: str | None) -> tuple[int, int, bool]:
    """Row 2's parts: the issuing office in columns 1..left, the first table's caption (if any)
    in left+1..right-1, the as-of stamp in right..ncols; `crowded` when the texts cannot all fit
    on one line (they then wrap in a taller row)."""
    if not caption:
        half = max(1, ncols // 2)
        return half, half + 1, False
    left = 1
    while left < ncols and sum(widths[:left]) < display_width(issued) + 2:
        left += 1
    right = ncols
    while right > 1 and sum(widths[right - 1:]) < display_width(stamp) + 2:
        right -= 1
    if right - left >= 2 and sum(widths[left:right - 1]) >= display_width(caption) * 1.2 + 2:
        return left, right, False
    third = max(1, ncols // 3)  # a table has at least 序号, one column and 备注
    return third, max(third + 2, ncols - third + 1), True


def _write_table(ws: Worksheet, table: Table, header_row: int, widths: list[float], body: str,
                 styles: _CellStyles) -> int:
    """Header and data rows; returns the last data row (the header row when empty)."""
    frame = table.frame
    header_font = Font(name=body, bold=True)
    for col, name in enumerate(frame.columns, start=1):
        cell = ws.cell(row=header_row, column=col, value=header_text(str(name), widths[col - 1]))
        cell.font, cell.fill, cell.border = header_font, HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    lines = max(_lines(header_text(str(n), w), w) for n, w in zip(frame.columns, widths))
    ws.row_dimensions[header_row].height = LINE_HEIGHT * lines + 6

    font = Font(name=body)
    row = header_row
    for row, values in enumerate(frame.itertuples(index=False), start=header_row + 1):
        lines = 1
        for col, raw in enumerate(values, start=1):
            value = _cell_value(raw)
            cell = ws.cell(row=row, column=col, value=value)
            if col == 1:
                styles.apply(cell, "no")
            elif isinstance(value, Number) and not isinstance(value, bool):
                styles.apply(cell, _number_format(value))
            else:
                styles.apply(cell, "text")
                if value is not None:
                    lines = max(lines, _lines(str(value), widths[col - 1]))
        if lines > 1:  # spreadsheet programs do not all grow a row for wrapped text
            ws.row_dimensions[row].height = LINE_HEIGHT * lines + 3
    if frame.empty and table.empty_text:
        row = header_row + 1
        for col in range(1, len(frame.columns) + 1):
            ws.cell(row=row, column=col).border = BORDER
        cell = ws.cell(row=row, column=2 if len(frame.columns) > 1 else 1, value=table.empty_text)
        cell.font, cell.alignment = font, Alignment(horizontal="left", vertical="center")
    return row


class _CellStyles:
    """Data-cell styles made once per workbook and copied to each cell.

    Assigning a Font or Alignment object hashes it against the workbook's style lists on
    every cell, which dominates the time of a city-sized plan; copying the cell's style
    array (as openpyxl's own `copy_worksheet` does) gives the same cells in a fraction.
    """

    def __init__(self, body: str):
        font = Font(name=body)
        middle = {"vertical": "center"}
        self.recipes = {
            "no": (font, Alignment(horizontal="center", **middle), "General"),
            "text": (font, Alignment(horizontal="left", wrap_text=True, **middle), "General"),
            "#,##0": (font, Alignment(horizontal="right", **middle), "#,##0"),
            "#,##0.0#": (font, Alignment(horizontal="right", **middle), "#,##0.0#"),
        }
        self.made: dict[str, object] = {}

    def apply(self, cell, kind: str) -> None:
        made = self.made.get(kind)
        if made is not None:
            cell._style = copy(made)
            return
        cell.font, cell.alignment, cell.number_format = self.recipes[kind]
        cell.border = BORDER
        self.made[kind] = copy(cell._style)


def _write_total(ws: Worksheet, table: Table, header_row: int, last_data_row: int, lang: str, body: str) -> int:
    """The 合计 row under the data (none for an empty table); returns the last row written."""
    frame = table.frame
    if frame.empty or not (table.sum_columns or table.count_column):
        return last_data_row
    row, first = last_data_row + 1, header_row + 1
    columns = list(frame.columns)
    font = Font(name=body, bold=True)
    for col in range(1, len(columns) + 1):
        cell = ws.cell(row=row, column=col)
        cell.font, cell.fill, cell.border = font, TOTAL_FILL, BORDER
    ws.cell(row=row, column=1, value=L.frame_text("total", lang))
    ws.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    for name in table.sum_columns:
        col = columns.index(name) + 1
        letter = get_column_letter(col)
        cell = ws.cell(row=row, column=col, value=f"=SUM({letter}{first}:{letter}{last_data_row})")
        values = [v for v in frame[name] if _cell_value(v) is not None]
        cell.number_format = "#,##0" if all(_number_format(_cell_value(v)) == "#,##0" for v in values) else "#,##0.0#"
        cell.alignment = Alignment(horizontal="right", vertical="center")
    if table.count_column:
        col = columns.index(table.count_column) + 1
        letter = get_column_letter(col)
        cell = ws.cell(row=row, column=col, value=f"=COUNTA({letter}{first}:{letter}{last_data_row})")
        cell.number_format = L.frame_text("count_format", lang)
        cell.alignment = Alignment(horizontal="left", vertical="center")
    return row


def _merged(ws: Worksheet, row: int, first_col: int, last_col: int, value: str, font: Font,
            alignment: Alignment) -> None:
    cell = ws.cell(row=row, column=first_col, value=value)
    cell.font, cell.alignment = font, alignment
    if last_col > first_col:
        ws.merge_cells(start_row=row, start_column=first_col, end_row=row, end_column=last_col)


def header_text(name: str, width: float) -> str:
    """The header as shown: the unit goes on a line of its own when the column is narrower
    than the header (`计划采样量` / `（人次）`), as in printed Chinese tables."""
    m = UNIT_PART.match(name)
    if m and display_width(name) > width - 2:
        return f"{m.group(1)}\n{m.group(2)}"
    return name


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text needs in a column of this width."""
    if "\n" not in text and len(text) * 2 <= width - 1.5:
        return 1
    return sum(max(1, math.ceil(display_width(part) / max(width - 1.5, 1))) for part in text.split("\n"))


def _header_width(name: str) -> float:
    """Room for the header on one line when short, else for its longer line (name or unit)."""
    width = display_width(name)
    m = UNIT_PART.match(name)
    if width > HEADER_ONE_LINE and m:
        width = max(display_width(m.group(1)), display_width(m.group(2)))
    return min(width, 2 * HEADER_ONE_LINE) * 1.1 + 2


def _column_widths(tables: list[Table], ncols: int) -> list[float]:
    """Widths a planner can read: the longest value and the header, CJK counted double."""
    widths = [float(MIN_WIDTH)] * ncols
    for table in tables:
        for col, name in enumerate(table.frame.columns):
            values = [display_width(_shown(_cell_value(v))) * 1.1 + 2 for v in table.frame[name]]
            widths[col] = max(widths[col], min(max([_header_width(str(name)), *values]), MAX_WIDTH))
        if table.frame.empty and table.empty_text and ncols > 1:
            widths[1] = max(widths[1], display_width(table.empty_text) + 2)
    return [round(w, 1) for w in widths]
