"""The command line: exit codes 0 / 1 / 2, `path: message` lines, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import REPO

DEMO = REPO / "instances" / "demo-county.json"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def tiny_file(tiny, tmp_path) -> Path:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny, ensure_ascii=False), encoding="utf-8")
    return path


def test_validate_ok_prints_summary(tiny_file):
    r = run("validate", str(tiny_file))
    assert r.exit_code == 0, r.output
    assert "population" in r.output and "3,500" in r.output and "valid" in r.output


def corrupt(data: dict, how: str) -> bytes | dict:
    if how == "duplicate id":
        data["grids"][1]["id"] = data["grids"][0]["id"]
    elif how == "negative count":
        data["townships"][0]["population"] = -1
    elif how == "text in a number":
        data["grids"][0]["population"] = "六百"
    elif how == "dangling reference":
        data["sampling_sites"][0]["township"] = "NOWHERE"
    elif how == "missing field":
        del data["labs"][0]["turnaround_hours"]
    elif how == "unknown field":
        data["staff"][0]["favourite_colour"] = "red"
    return data


CASES = ["truncated", "empty", "csv", "non-utf8", "duplicate id", "negative count", "text in a number",
         "dangling reference", "missing field", "unknown field"]


@pytest.mark.parametrize("how", CASES)
def test_bad_input_exits_2_with_path_messages(tiny, tmp_path, how):
    path = tmp_path / "bad.json"
    text = json.dumps(tiny, ensure_ascii=False)
    if how == "truncated":
        path.write_text(text[: len(text) // 2], encoding="utf-8")
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "csv":
        path.write_text("id,name,population\nT1,城关镇,1500\n", encoding="utf-8")
    elif how == "non-utf8":
        path.write_bytes(text.encode("gbk"))
    else:
        path.write_text(json.dumps(corrupt(tiny, how), ensure_ascii=False), encoding="utf-8")
    r = run("validate", str(path))
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert lines and all(": " in ln for ln in lines)
    assert all(ln.startswith(str(path)) for ln in lines)


def test_missing_file_exits_2(tmp_path):
    r = run("validate", str(tmp_path / "nope.json"))
    assert r.exit_code == 2 and "cannot read" in r.output


@pytest.mark.skipif(not DEMO.exists(), reason="demo instance not generated")
def test_validate_committed_demo():
    r = run("validate", str(DEMO))
    assert r.exit_code == 0, r.output


def test_solve_then_verify_from_the_cli(tiny_file, tmp_path):
    plan = tmp_path / "plan.json"
    r = run("solve", str(tiny_file), "--time-limit", "20", "--workers", "1", "-o", str(plan))
    assert r.exit_code == 0, r.output
    r = run("verify", str(tiny_file), str(plan))
    assert r.exit_code == 0, r.output
    assert "verified" in r.output


def test_solve_refuses_to_overwrite_its_input(tiny_file):
    before = tiny_file.read_bytes()
    r = run("solve", str(tiny_file), "--time-limit", "10", "--workers", "1", "-o", str(tiny_file))
    assert r.exit_code == 2
    assert tiny_file.read_bytes() == before


def test_verify_reports_violations_with_exit_1(tiny_file, tmp_path):
    plan = tmp_path / "plan.json"
    assert run("solve", str(tiny_file), "--time-limit", "20", "--workers", "1", "-o", str(plan)).exit_code == 0
    data = json.loads(plan.read_text(encoding="utf-8"))
    data["sampling"]["sites"][0]["desks_by_shift"] = {k: 0 for k in data["sampling"]["sites"][0]["desks_by_shift"]}
    plan.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = run("verify", str(tiny_file), str(plan))
    assert r.exit_code == 1
    assert "site_capacity" in r.output


def test_schema_prints_json():
    r = run("schema")
    assert r.exit_code == 0 and "Township" in json.loads(r.output)["$defs"]
    r = run("schema", "--plan")
    assert r.exit_code == 0 and "SolveMeta" in json.loads(r.output)["$defs"]
