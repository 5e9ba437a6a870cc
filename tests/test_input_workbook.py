"""The input workbook: template -> Excel -> import gives the same instance; bad cells are named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cli import main
from exports.input_import import read_workbook
from exports.input_workbook import (
    EXAMPLE_ROW,
    FIRST_DATA_ROW,
    sheet_specs,
    write_template,
)
from models.instance import Instance
from models.io import InputError, load_instance
from tests.conftest import REPO

DEMO = REPO / "instances" / "demo-county.json"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("book") / "demo.xlsx"
    r = run("template", str(path), "--from", str(DEMO))
    assert r.exit_code == 0, r.output
    return path


@pytest.fixture
def tiny_book(tiny, tmp_path) -> Path:
    path = tmp_path / "tiny.xlsx"
    write_template(path, Instance.model_validate(tiny))
    return path


def _column(path: Path, sheet: str, key: str) -> str:
    ws = load_workbook(path, read_only=True)[sheet]
    keys = next(ws.iter_rows(min_row=2, max_row=2, values_only=True))
    from openpyxl.utils import get_column_letter
    return get_column_letter(keys.index(key) + 1)


def test_demo_round_trip_is_exact(demo_book, tmp_path):
    out = tmp_path / "back.json"
    r = run("import", str(demo_book), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert load_instance(out).model_dump() == load_instance(DEMO).model_dump()
    assert json.loads(out.read_text("utf-8")) == json.loads(DEMO.read_text("utf-8"))


def test_every_entity_list_has_a_sheet_with_two_header_rows(demo_book):
    wb = load_workbook(demo_book)
    names = set(wb.sheetnames)
    lists = [n for n, f in Instance.model_fields.items() if n not in ("ports",)
             and getattr(f.annotation, "__origin__", None) is list]
    assert {"instance", "policy", "sources.stock", "isolation_sites.occupants"} <= names
    assert set(lists) <= names
    ws = wb["townships"]
    assert ws["A1"].value == "编号" and ws["A2"].value == "id"
    assert [c.value for c in ws[2]][-3:] == ["center.x", "center.y", "seat_node"]
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    rules = {str(dv.sqref).split(":")[0][:1]: dv for dv in ws.data_validations.dataValidation}
    risk = _column(demo_book, "townships", "risk_level")
    assert rules[risk].type == "list" and "medium" in rules[risk].formula1
    pop = _column(demo_book, "townships", "population")
    assert rules[pop].type == "whole" and rules[pop].formula1 == "0"
    skills = wb["staff"][f"{_column(demo_book, 'staff', 'skills')}{FIRST_DATA_ROW}"].value
    assert skills == ", ".join(load_instance(DEMO).staff[0].skills)
    assert wb["sources.stock"]["A2"].value == "parent"


def test_empty_template_has_example_rows_and_imports_to_an_error_list(tmp_path):
    book = tmp_path / "empty.xlsx"
    r = run("template", str(book))
    assert r.exit_code == 0, r.output
    wb = load_workbook(book)
    for spec in sheet_specs():
        ws = wb[spec.name]
        assert any(c.value is not None for c in ws[EXAMPLE_ROW]), spec.name
        assert ws.max_row == EXAMPLE_ROW
    r = run("import", str(book), "-o", str(tmp_path / "x.json"))
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    lines = r.output.strip().splitlines()
    assert "instance!C4: name is required" in lines
    assert "instance!C5: plan_date is required" in lines
    assert "townships: needs at least 1 data row(s) from row 4" in lines
    assert not (tmp_path / "x.json").exists()


def test_bad_cell_is_named_and_exits_2(tiny_book, tmp_path):
    letter = _column(tiny_book, "townships", "population")
    wb = load_workbook(tiny_book)
    wb["townships"][f"{letter}5"] = -3
    wb.save(tiny_book)
    r = run("import", str(tiny_book), "-o", str(tmp_path / "x.json"))
    assert r.exit_code == 2, r.output
    assert r.output.strip().splitlines() == [f"townships!{letter}5: population must be >= 0"]


def test_cross_reference_and_sub_sheet_problems_name_their_cells(tiny_book):
    wb = load_workbook(tiny_book)
    tw = _column(tiny_book, "grids", "township")
    wb["grids"][f"{tw}4"] = "NOWHERE"
    wb.save(tiny_book)
    with pytest.raises(InputError) as e:
        read_workbook(tiny_book)
    assert f"grids!{tw}4: township: unknown township 'NOWHERE'" in e.value.problems

    wb = load_workbook(tiny_book)
    wb["grids"][f"{tw}4"] = "T1"
    wb["sources.stock"]["A4"] = "NO-SOURCE"
    wb.save(tiny_book)
    with pytest.raises(InputError) as e:
        read_workbook(tiny_book)
    assert e.value.problems == ["sources.stock!A4: unknown sources id 'NO-SOURCE'"]


def test_text_numbers_booleans_and_lists_are_read_leniently(tiny_book, tiny):
    wb = load_workbook(tiny_book)
    ws = wb["townships"]
    ws[f"{_column(tiny_book, 'townships', 'sealed')}4"] = "是"  # T1 is sealed
    ws[f"{_column(tiny_book, 'townships', 'population')}4"] = float(tiny["townships"][0]["population"])
    staff = wb["staff"]
    skills = staff[f"{_column(tiny_book, 'staff', 'skills')}4"].value
    staff[f"{_column(tiny_book, 'staff', 'skills')}4"] = skills.replace(", ", "，")
    wb.save(tiny_book)
    assert read_workbook(tiny_book).model_dump() == Instance.model_validate(tiny).model_dump()


def test_input_is_never_overwritten(tiny_book, tmp_path):
    before = tiny_book.read_bytes()
    r = run("import", str(tiny_book), "-o", str(tiny_book))
    assert r.exit_code == 2 and "refusing to overwrite the input file" in r.output
    assert tiny_book.read_bytes() == before
    src = tmp_path / "in.json"
    src.write_text(DEMO.read_text("utf-8"), encoding="utf-8")
    r = run("template", str(src), "--from", str(src))
    assert r.exit_code == 2 and "refusing to overwrite" in r.output
    assert src.read_text("utf-8") == DEMO.read_text("utf-8")


def test_not_a_workbook_is_bad_input(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip", encoding="utf-8")
    r = run("import", str(bad), "-o", str(tmp_path / "x.json"))
    assert r.exit_code == 2 and r.output.startswith(f"{bad}: ") and "Traceback" not in r.output
    r = run("import", str(tmp_path / "missing.xlsx"), "-o", str(tmp_path / "x.json"))
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_input_workbook_modules_do_not_load_the_solver():
    code = ("import sys, exports.input_workbook, exports.input_import\n"
            "print(sorted(k for k in sys.modules if k.split('.')[0] in ('ortools', 'pyvrp', 'highspy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO)
    assert out.stdout.strip() == "[]", out.stdout
