"""Every table of a sheet has its caption (一、… 二、…), the first table's included: it stands in
row 2 between the issuing office and the as-of stamp, right above its header, so the header
stays in row 3 as the house frame has it (WORKBOOKS.md §3.0). Fixture: test_dispatch's plan."""

from __future__ import annotations

import openpyxl

from exports.dispatch import build_dispatch, write_dispatch
from exports.xlsx import display_width
from tests.test_dispatch import full_instance, full_plan  # noqa: F401  (fixtures)
from tests.test_xlsx import instance, plan  # noqa: F401


def test_every_table_caption_is_written_the_first_in_row_2(tmp_path, full_instance, full_plan):  # noqa: F811
    sheets = build_dispatch(full_instance, full_plan, "zh")
    path = tmp_path / "dispatch.xlsx"
    write_dispatch(full_instance, full_plan, path)
    wb = openpyxl.load_workbook(path)
    firsts = 0
    for sheet, ws in zip(sheets, wb.worksheets):
        cells = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
        for k, table in enumerate(sheet.tables):
            if not table.caption:
                continue
            at = [rc for rc, v in cells.items() if v == table.caption]
            assert at, f"{ws.title}: caption {table.caption!r} of table {k + 1} is missing"
            if k == 0:
                firsts += 1
                (row, col), = at
                assert row == 2 and ws.cell(2, col).font.b  # between 制表单位 (A2) and 截至 (right)
                assert ws["A2"].value.startswith("制表单位") and 1 < col
                right = [c for c in range(col + 1, ws.max_column + 1) if ws.cell(2, c).value]
                assert right and ws.cell(2, right[0]).value.startswith("截至")
                assert ws["A3"].value == "序号"  # the header has not moved
            else:
                assert any(ws.cell(r + 1, 1).value == "序号" for r, _ in at)  # its header right below
    assert firsts >= 3  # the township sheets start with captioned sections


def test_row_2_keeps_its_two_halves_without_a_first_caption(tmp_path, instance, plan):  # noqa: F811
    from exports import build_sheets, write_workbook

    path = tmp_path / "plan.xlsx"
    write_workbook(instance, plan, path)
    sheets = build_sheets(instance, plan, "zh")
    wb = openpyxl.load_workbook(path)
    for sheet, ws in zip(sheets, wb.worksheets):
        if sheet.tables and not sheet.tables[0].caption:
            values = [ws.cell(2, c).value for c in range(1, ws.max_column + 1) if ws.cell(2, c).value]
            assert len(values) == 2 and values[0].startswith("制表单位")


def test_a_crowded_row_2_wraps_instead_of_hiding_text():
    from exports.xlsx import _row2_columns

    narrow = [6.0, 10.0, 6.0]
    left, right, crowded = _row2_columns(narrow, 3, "制表单位：清河县疫情防控指挥部办公室", "截至：2022年11月27日20时", "一、采样")
    assert crowded and (left, right) == (1, 3)
    wide = [6.0, 40.0, 30.0, 40.0, 6.0]
    left, right, crowded = _row2_columns(wide, 5, "制表单位：清河县", "截至：11月27日", "一、采样")
    assert not crowded and left < right - 1
    assert sum(wide[:left]) >= display_width("制表单位：清河县")
