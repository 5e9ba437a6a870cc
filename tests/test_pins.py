"""Pins (`solve --pin plan.xlsx`): pinned rows are kept as hard rules; pins that contradict a hard
rule are named; a pin the instance cannot express is bad input.

The county: the tiny county (tests/conftest.py) without grids, hotels in 柳河乡 with their
closed-loop crews and one 45-seat bus, cohorts of 20 arriving on day 1 from 城关镇 (T1) and
柳河乡 (T2): two arrival groups, so the model may place them apart. The tracing part reuses the
continuity county (two cases, three teams).
"""

from __future__ import annotations

import json
import re

import openpyxl
import pytest
from click.testing import CliRunner

from cli import main
from exports.pins import read_pins
from models import Instance
from models.choices import Pin
from models.io import InputError
from optimizer.validate import verify
from tests.conftest import tiny_data
from tests.test_continuity import county as continuity_county
from tests.test_continuity import run
from tests.test_isolation import cohort, crew, site


@pytest.fixture
def tracing_county() -> dict:
    """The continuity county: two cases in 城关镇, three teams (tests/test_continuity.py)."""
    return continuity_county.__wrapped__()


@pytest.fixture
def hotels() -> dict:
    d = tiny_data()
    d["grids"] = []
    d["isolation_sites"] = [site("H1", 50), site("H2", 50, x=4.5)]
    d["staff"] = crew("H1") + crew("H2")
    d["vehicles"] = [{"id": "B1", "plate": "豫A00001", "kind": "transfer_bus", "depot": "H1", "seats": 45}]
    d["cohorts"] = [cohort("K1", 20), cohort("K2", 20, origin="T2")]
    return d


def sites_of(plan, cid: str) -> dict:
    return {p.site: p.people for p in plan.isolation.placements if p.cohort == cid}


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def mark(xlsx, out, sheet: str, rows: dict[str, str], code: dict[str, str] | None = None, above: int = 0):
    """Write `rows[id]` in the pinned column of the rows whose cells hold `id` (and replace their
    decision code if `code` says so); `above` blank rows inserted over the whole sheet."""
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[sheet]
    header = next(r for r in range(1, 10) if any(c.value in ("固定", "pinned") for c in ws[r]))
    col = {c.value: c.column for c in ws[header]}
    pin_col = col.get("固定", col.get("pinned"))
    code_col = col.get("决策代码", col.get("decision code"))
    for r in range(header + 1, ws.max_row + 1):
        values = {str(c.value) for c in ws[r]}
        for ident, text in rows.items():
            if ident in values:
                ws.cell(r, pin_col, text)
                if code and ident in code:
                    ws.cell(r, code_col, code[ident])
    if above:
        ws.insert_rows(1, above)
    wb.save(out)


def test_pinned_decisions_hold_against_the_optimum(tracing_county):
    """C1 pinned to the lent pair from 柳河乡: the plan pays the lending to keep it."""
    _, free = run(tracing_county)
    assert {m.staff for a in free.plan.tracing.assignments if a.case == "C1" for m in a.members} & {"E3", "Q3"} == set()
    pin = Pin("test!row 1", ((("case", "C1", "epidemiologist"), "E3"), (("case", "C1", "police"), "Q3")))
    _, pinned = run(tracing_county, pins=[pin])
    team = {m.role: m.staff for a in pinned.plan.tracing.assignments if a.case == "C1" for m in a.members}
    assert (team["epidemiologist"], team["police"]) == ("E3", "Q3")
    assert pinned.objective_terms["tracing.lending"] > free.objective_terms["tracing.lending"]


def test_pinned_cohort_stays_at_its_site(hotels):
    _, free = run(hotels)
    at = next(iter(sites_of(free.plan, "K2")))
    other = "H2" if at == "H1" else "H1"
    _, pinned = run(hotels, pins=[Pin("test!row 1", ((("cohort", "K2", other), 20),))])
    assert sites_of(pinned.plan, "K2") == {other: 20}


def test_two_categories_pinned_to_one_site_conflict(hotels):
    hotels["cohorts"][1]["category"] = "inbound"
    a = Pin("plan.xlsx!集中隔离安置!row 4", ((("cohort", "K1", "H1"), 20),))
    b = Pin("plan.xlsx!集中隔离安置!row 5", ((("cohort", "K2", "H1"), 20),))
    _, one = run(hotels, pins=[a])  # one alone is fine
    assert sites_of(one.plan, "K1") == {"H1": 20}
    _, both = run(hotels, pins=[a, b])
    assert both.plan is None and both.status == "INFEASIBLE"
    assert both.diagnosis[0].startswith("plan.xlsx!集中隔离安置!row 4: pinned cohort K1 (20 people) → site H1 on "
                                        "day 1 conflicts with pinned plan.xlsx!集中隔离安置!row 5")


def test_pinned_rows_over_the_rooms_exit_1_naming_both(hotels, tmp_path):
    hotels["isolation_sites"] = [site("H1", 50)]
    hotels["staff"] = crew("H1")
    src = tmp_path / "base.json"
    src.write_text(json.dumps(hotels, ensure_ascii=False), encoding="utf-8")
    r = cli("solve", src, "--workers", 1, "-o", tmp_path / "plan.json", "--xlsx", tmp_path / "plan.xlsx")
    assert r.exit_code == 0, r.output
    mark(tmp_path / "plan.xlsx", tmp_path / "pins.xlsx", "集中隔离安置", {"K1": "是", "K2": "x"}, above=2)
    hotels["isolation_sites"] = [site("H1", 30), site("H2", 50, x=4.5)]
    hotels["staff"] = crew("H1") + crew("H2")
    today = tmp_path / "today.json"
    today.write_text(json.dumps(hotels, ensure_ascii=False), encoding="utf-8")
    r = cli("solve", today, "--workers", 1, "--pin", tmp_path / "pins.xlsx", "-o", tmp_path / "new.json")
    assert r.exit_code == 1, r.output
    where = f"{tmp_path / 'pins.xlsx'}!集中隔离安置!row"
    assert re.search(rf"{re.escape(where)} \d+: pinned cohort K1 \(20 people\) → site H1 on day 1 conflicts with "
                     rf"pinned {re.escape(where)} \d+ \(site H1 has 30 rooms\)", r.output), r.output
    assert not (tmp_path / "new.json").exists()
    # without the pins the same instance plans (the conflict is the pins')
    r = cli("solve", today, "--workers", 1, "-o", tmp_path / "new.json")
    assert r.exit_code == 0, r.output


def test_pinned_workbook_rows_are_read_in_either_language(tracing_county, tmp_path):
    inst, base = run(tracing_county)
    from exports import write_workbook

    for lang, sheet in (("zh", "流调"), ("en", "Tracing")):
        write_workbook(inst, base.plan, tmp_path / f"{lang}.xlsx", lang=lang)
        mark(tmp_path / f"{lang}.xlsx", tmp_path / f"{lang}-pins.xlsx", sheet, {"C2": "1"})
        pins = read_pins(tmp_path / f"{lang}-pins.xlsx")
        team = next(a for a in base.plan.tracing.assignments if a.case == "C2")
        assert [dict(p.choices) for p in pins] == [{
            ("case", "C2", "epidemiologist"): next(m.staff for m in team.members if m.role == "epidemiologist"),
            ("case", "C2", "police"): next(m.staff for m in team.members if m.role == "police"),
            ("start", "C2"): "2022-11-28T03:00"}]
        assert pins[0].where.startswith(f"{tmp_path / f'{lang}-pins.xlsx'}!{sheet}!row ")


def test_unreadable_pins_are_bad_input(tracing_county, tmp_path):
    src = tmp_path / "county.json"
    src.write_text(json.dumps(tracing_county, ensure_ascii=False), encoding="utf-8")
    assert cli("solve", src, "--workers", 1, "-o", tmp_path / "plan.json", "--xlsx", tmp_path / "plan.xlsx"
               ).exit_code == 0
    mark(tmp_path / "plan.xlsx", tmp_path / "maybe.xlsx", "流调", {"C1": "maybe"})
    r = cli("solve", src, "--pin", tmp_path / "maybe.xlsx", "-o", tmp_path / "new.json")
    assert r.exit_code == 2
    assert re.search(rf"{re.escape(str(tmp_path / 'maybe.xlsx'))}!流调![A-Z]+\d+: cannot read 'maybe' as pinned",
                     r.output), r.output
    mark(tmp_path / "plan.xlsx", tmp_path / "gone.xlsx", "流调", {"C1": "1"}, code={"C1": "case|C9|police=Q1"})
    r = cli("solve", src, "--pin", tmp_path / "gone.xlsx", "-o", tmp_path / "new.json")
    assert r.exit_code == 2 and "!流调!row 4: the instance has no case C9" in r.output, r.output
    mark(tmp_path / "plan.xlsx", tmp_path / "junk.xlsx", "流调", {"C1": "1"}, code={"C1": "case C1 to Q1"})
    r = cli("solve", src, "--pin", tmp_path / "junk.xlsx", "-o", tmp_path / "new.json")
    assert r.exit_code == 2 and "is not KEY=VALUE" in r.output, r.output
    (tmp_path / "text.xlsx").write_text("not a workbook", encoding="utf-8")
    r = cli("solve", src, "--pin", tmp_path / "text.xlsx", "-o", tmp_path / "new.json")
    assert r.exit_code == 2 and "cannot read as an .xlsx workbook" in r.output
    with pytest.raises(InputError):
        read_pins(tmp_path / "missing.xlsx")
    assert not (tmp_path / "new.json").exists()


def test_cli_keeps_a_pinned_row_of_the_exported_plan(tracing_county, tmp_path):
    src = tmp_path / "county.json"
    src.write_text(json.dumps(tracing_county, ensure_ascii=False), encoding="utf-8")
    assert cli("solve", src, "--workers", 1, "-o", tmp_path / "plan.json", "--xlsx", tmp_path / "plan.xlsx",
               "--lang", "en").exit_code == 0
    base = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    c2 = next(a for a in base["tracing"]["assignments"] if a["case"] == "C2")
    mark(tmp_path / "plan.xlsx", tmp_path / "pins.xlsx", "Tracing", {"C2": "yes"})
    # today a third case arrives whose best team is C2's: the pin keeps C2's team
    tracing_county["cases"].append({"id": "C3", "township": "T1", "report_hour": 3, "estimated_contacts": 10})
    tracing_county["cases"][1]["report_hour"] = 4
    src.write_text(json.dumps(tracing_county, ensure_ascii=False), encoding="utf-8")
    r = cli("solve", src, "--workers", 1, "--pin", tmp_path / "pins.xlsx", "-o", tmp_path / "new.json")
    assert r.exit_code == 1, r.output  # C2's pinned start (03:00) is before its new report (04:00)
    assert re.search(r"pins.xlsx!Tracing!row \d+: pinned case C2 epidemiologist → \w+; case C2 police → \w+; "
                     r"case C2 starts at 2022-11-28T03:00 cannot hold with the hard rules", r.output), r.output
    tracing_county["cases"][1]["report_hour"] = 3
    src.write_text(json.dumps(tracing_county, ensure_ascii=False), encoding="utf-8")
    r = cli("solve", src, "--workers", 1, "--pin", tmp_path / "pins.xlsx", "-o", tmp_path / "new.json")
    assert r.exit_code == 0, r.output
    new = json.loads((tmp_path / "new.json").read_text(encoding="utf-8"))
    assert next(a for a in new["tracing"]["assignments"] if a["case"] == "C2")["members"] == c2["members"]
    inst = Instance.model_validate(tracing_county)
    from models.io import load_plan

    assert verify(inst, load_plan(tmp_path / "new.json")) == []
