"""The offline HTML report: self-contained, every layer and chart drawn, tested in Chromium.

Fixture "Three townships": 城关镇 (low risk, the county seat with the depot), 石门乡 (high
risk, sealed) and 柳河乡 (medium risk, with a producer), a six-node road network in both
directions, one checkpoint and one closed exit on the seal, one closure 柳河乡 asked for and
the plan lifts, three lifelines (one kept over the checkpoint, one cut, one whose depot
stands at the seat), two delivery routes (one to 石门乡's transfer station), two isolation sites over four days, three cases
(one on time, one late, one not traced today) and shortages in two tiers. Every count the
tests expect is read from the fixture, so a change to it changes the expectation.

The browser tests drive Debian's Chromium over the DevTools protocol on a pipe
(--remote-debugging-pipe: no port, no extra package), and skip when it is not installed.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from models.instance import Instance
from models.plan import Plan
from report import plan_problems, render_report, write_report

CHROMIUM = next((p for p in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                             shutil.which("chromium-browser")) if p and Path(p).exists()), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's "
                                                             "chromium where apt-get is available)")


# ---------------------------------------------------------------------------- fixture
def _node(i, town, x, y):
    return {"id": f"N{i}", "township": town, "location": {"x": x, "y": y}}


ROADS = [(1, 2, "national"), (2, 6, "county"), (6, 5, "county"), (2, 4, "provincial"), (4, 3, "village"),
         (6, 4, "village")]


def _arcs():
    arcs = []
    for k, (u, v, cls) in enumerate(ROADS):
        for d, (a, b) in (("forward", (u, v)), ("backward", (v, u))):
            arcs.append({"id": f"A{a}{b}", "tail": f"N{a}", "head": f"N{b}", "length_km": 3.0, "free_flow_min": 5.0,
                         "road_class": cls, "section": f"R{k}", "direction": d})
    return arcs


@pytest.fixture(scope="module")
def instance() -> Instance:
    staff = [("P1", ["sampler"], "T1"), ("P2", ["sampler", "registrar"], "T1"), ("P3", ["registrar"], "T2"),
             ("P4", ["epidemiologist"], "T1"), ("P5", ["police"], "T1"), ("P6", ["checkpoint_guard"], "T2"),
             ("P7", ["driver"], "T1"), ("P8", ["doctor", "nurse"], "T3")]
    return Instance.model_validate({
        "name": "三镇测试县", "issuing_office": "清河县疫情防控指挥部办公室", "plan_date": "2022-11-28",
        "townships": [
            {"id": "T1", "name": "城关镇", "district": "D1", "risk_level": "low", "population": 12000,
             "terrain": "urban", "center": {"x": 0, "y": 0}},
            {"id": "T2", "name": "石门乡", "district": "D1", "risk_level": "high", "population": 3500,
             "terrain": "mountain", "sealed": True, "center": {"x": 10, "y": 0}},
            {"id": "T3", "name": "柳河乡", "district": "D1", "risk_level": "medium", "population": 5000,
             "terrain": "rural", "center": {"x": 5, "y": 8}},
        ],
        "sampling_sites": [
            {"id": "S1", "name": "城关镇文化广场", "township": "T1", "location": {"x": 0.5, "y": 0.5}, "max_desks": 8},
            {"id": "S2", "name": "城关二小", "township": "T1", "location": {"x": -1, "y": 0.5}, "max_desks": 4},
            {"id": "S3", "name": "石门村委会", "township": "T2", "location": {"x": 10, "y": 1}, "max_desks": 3},
        ],
        "staff": [{"id": i, "name": f"员工{i}", "skills": s, "home_township": t, "hours_per_day": 10}
                  for i, s, t in staff],
        "isolation_sites": [
            {"id": "H1", "name": "城关宾馆", "township": "T1", "location": {"x": 1, "y": -1}, "rooms": 50},
            {"id": "H2", "name": "柳河方舱", "township": "T3", "location": {"x": 5, "y": 7}, "rooms": 30,
             "reserve": True, "activation_lag_days": 2},
        ],
        "commodities": [{"id": "rice", "name": "大米", "unit": "kg", "tier": "food_floor"}],
        "sources": [{"id": "DEP1", "name": "县储备库", "kind": "depot", "township": "T1", "node": "N1"},
                    {"id": "PRD1", "name": "柳河合作社", "kind": "producer", "township": "T3", "node": "N5"}],
        "vehicles": [{"id": "V1", "plate": "冀A00001", "kind": "truck", "depot": "DEP1", "capacity_kg": 3000},
                     {"id": "V2", "plate": "冀A00002", "kind": "truck", "depot": "DEP1", "capacity_kg": 3000}],
        "road_nodes": [_node(1, "T1", 0, 0), _node(2, "T1", 3, 1), _node(3, "T2", 10, 0), _node(4, "T2", 8, 1),
                       _node(5, "T3", 5, 8), _node(6, "T3", 5, 5)],
        "road_arcs": _arcs(),
        "lifelines": [{"id": "L1", "source": "DEP1", "township": "T2", "time_budget_min": 60},
                      {"id": "L2", "source": "PRD1", "township": "T1", "time_budget_min": 30},
                      {"id": "L3", "source": "DEP1", "township": "T1", "time_budget_min": 20}],
        "closure_requests": [{"arc": "A64", "requested_by": "T3"}],
    })


def _occupancy(site, day, usable, occupied):
    return {"site": site, "day": day, "usable_rooms": usable, "occupied_rooms": occupied, "free_rooms": usable - occupied,
            "people": occupied}


def _case(case, town, report, start=None, end=None, late=0):
    return {"case": case, "township": town, "district": "D1", "report_hour": report, "contacts": 12,
            "members": [] if start is None else [
                {"staff": "P4", "name": "员工P4", "role": "epidemiologist", "home_township": "T1", "lent": town != "T1"},
                {"staff": "P5", "name": "员工P5", "role": "police", "home_township": "T1", "lent": town != "T1"}],
            "start_hour": start, "core_info_hour": None if start is None else start + 1, "end_hour": end,
            "core_due_hour": report + 4, "report_due_hour": report + 24, "report_late_hours": late}


def _duty(staff, role, module, start, end):
    return {"staff": staff, "name": f"员工{staff}", "role": role, "module": module, "location": "X",
            "township": "T1", "start_hour": start, "end_hour": end}


def _stop(node, dest, hour, roads):
    return {"kind": "deliver", "trip": 1, "node": node, "destination": dest, "arrival_hour": hour,
            "depart_hour": hour + 0.5, "items": [{"commodity": "rice", "township": dest, "quantity": 500}],
            "load_kg": 500, "roads": roads}


@pytest.fixture(scope="module")
def plan() -> Plan:
    closed = {"A46": ("seal_exit", "T2", [])}
    lifted = {"A64": ("lifted", None, ["T3"])}
    arcs = []
    for a in _arcs():
        status = "closed" if a["id"] in closed else "checkpoint" if a["id"] == "A42" else "open"
        reason, seal, req = closed.get(a["id"]) or lifted.get(a["id"]) or \
            (("seal_exit", "T2", []) if a["id"] == "A42" else ("", None, []))
        arcs.append({"arc": a["id"], "status": status, "reason": reason, "seal": seal, "requested_by": req})
    return Plan.model_validate({
        "instance": "三镇测试县", "plan_date": "2022-11-28",
        "sampling": {"sites": [
            {"site": s, "township": t, "desks": d, "desks_by_shift": {"上午": d}, "opening": "07:00-13:00",
             "people": 600 * d, "capacity": 700 * d, "tubes": 60 * d, "samplers": 2 * d, "registrars": d}
            for s, t, d in (("S1", "T1", 4), ("S3", "T2", 1))]},
        "tracing": {"assignments": [_case("C1", "T2", 2.0, 3.0, 9.0), _case("C2", "T2", 5.0, 20.0, 31.0, late=2),
                                    _case("C3", "T1", 22.0)]},
        "isolation": {"activated_sites": ["H2"],
                      "occupancy": [_occupancy("H1", d, 50, o) for d, o in enumerate((40, 48, 50, 45))]
                      + [_occupancy("H2", d, u, o) for d, u, o in ((2, 10, 4), (3, 15, 12))]},
        "roads": {
            "arcs": arcs,
            "checkpoints": [{"arc": "A42", "township": "T2", "seal": "T2", "section": "R3", "direction": "backward",
                             "shifts": 3, "crew_per_shift": 1, "staff": [["P6"], ["P6"], ["P6"]]}],
            "lifelines": [
                {"lifeline": "L1", "source": "DEP1", "township": "T2", "kept": True, "nodes": ["N1", "N2", "N4", "N3"],
                 "arcs": ["A12", "A24", "A43"], "minutes": 15, "budget_min": 60},
                {"lifeline": "L2", "source": "PRD1", "township": "T1", "kept": False, "budget_min": 30,
                 "cut_by_arcs": ["A62"]},
                {"lifeline": "L3", "source": "DEP1", "township": "T1", "kept": True, "nodes": ["N1"], "minutes": 0,
                 "budget_min": 20}],
            "lifted": [{"arc": "A64", "requested_by": ["T3"], "lifeline": "L1", "status": "open"}],
        },
        "supply": {"routes": [
            {"vehicle": "V1", "source": "DEP1", "start_hour": 6, "end_hour": 9, "trips": 1, "km": 12,
             "stops": [_stop("N5", "T3", 7, ["A12", "A26", "A65"])], "roads_home": ["A56", "A62", "A21"],
             "trip_loads_kg": [500]},
            {"vehicle": "V2", "source": "DEP1", "start_hour": 6, "end_hour": 8, "trips": 1, "km": 8,
             "stops": [_stop("N2", "TS-T2", 6.5, ["A12"])], "trip_loads_kg": [500]}],
            "handovers": [{"station": "TS-T2", "township": "T2", "vehicle": "V2", "arrival_hour": 6.5, "load_kg": 500}],
            "last_mile": [{"township": "T2", "workers": 2, "kg": 500, "start_hour": 7, "end_hour": 12}]},
        "roster": [_duty("P1", "sampler", "sampling", 7, 13), _duty("P2", "registrar", "sampling", 7, 13),
                   _duty("P4", "epidemiologist", "tracing", 3, 9), _duty("P5", "police", "tracing", 3, 9),
                   _duty("P6", "checkpoint_guard", "roads", 0, 8)],
        "shortages": [
            {"module": "sampling", "tier": "critical", "what": "residents not sampled", "township": "T2",
             "quantity": 300, "unit": "people", "binding_resource": "trained samplers/registrars within commuting "
                                                                     "range of T2"},
            {"module": "tracing", "tier": "critical", "what": "case not traced today", "township": "T1", "entity": "C3",
             "quantity": 1, "unit": "cases", "binding_resource": "epidemiologists within commuting range of T1"},
            {"module": "sampling", "tier": "routine", "what": "residents not sampled", "township": "T1",
             "quantity": 800, "unit": "people", "binding_resource": "desks"},
            {"module": "supply", "tier": "critical", "what": "rice for T2 on 2022-11-28", "quantity": 100,
             "unit": "kg", "binding_resource": "stock of rice used up at 县储备库"},
        ],
        "kpis": {"sampling_sites_opened": 2, "sampling_desks": 5, "critical_shortage_lines": 3,
                 "routine_shortage_lines": 1, "tracing_cases": 3},
        "meta": {"status": "FEASIBLE", "objective": 500.0, "best_bound": 400.0, "gap": 0.2, "deterministic": True,
                 "tiers": [{"name": "critical", "status": "OPTIMAL", "value": 300.0, "bound": 300.0, "seconds": 0.4},
                           {"name": "routine", "status": "FEASIBLE", "value": 800.0, "bound": 700.0, "seconds": 1.1},
                           {"name": "cost", "status": "FEASIBLE", "value": 500.0, "bound": 400.0, "seconds": 0.8}],
                 "time_limit_s": 60, "wall_seconds": 2.3, "instance_hash": ""},
    })


def expected_counts(inst: Instance, plan: Plan) -> dict[str, int]:
    """What the page must hold, counted from the instance and plan (not from the renderer)."""
    day0 = [a for a in plan.roads.arcs if a.day == 0]
    skills = {k for s in inst.staff for k in s.skills} | {r.role for r in plan.roster if r.day == 0}
    return {
        ".L-risk path.township": len(inst.townships),
        ".L-sealed path.seal": sum(t.sealed for t in inst.townships),
        ".L-roads line.road": len({frozenset((a.tail, a.head)) for a in inst.road_arcs}),
        ".L-sampling circle.site": len(plan.sampling.sites),
        ".L-isolation g.iso": len(inst.isolation_sites),
        ".L-checkpoints rect.checkpoint": sum(1 for c in plan.roads.checkpoints if c.day == 0),
        ".L-closed line.closed": sum(1 for a in day0 if a.status == "closed"),
        ".L-lifted line.lifted": sum(1 for x in plan.roads.lifted if x.day == 0),
        ".L-lifelines .lifeline": len(inst.lifelines),
        ".L-deliveries polyline.delivery": len(plan.supply.routes),
        ".L-deliveries rect.station": len({h.station for h in plan.supply.handovers if h.day == 0}),
        ".L-names text": len(inst.townships),
        "[data-chart=occupancy] rect.occ": len(plan.isolation.occupancy),
        "[data-chart=occupancy] g.occ-site": len({r.site for r in plan.isolation.occupancy}),
        "[data-chart=staff] rect.used": len(skills),
        "[data-chart=shortages] rect.short": len({(s.township, s.tier) for s in plan.shortages}),
        "[data-chart=tracing] rect.team-bar": sum(1 for a in plan.tracing.assignments if a.start_hour is not None),
        "[data-chart=tracing] rect.untraced": sum(1 for a in plan.tracing.assignments if a.start_hour is None),
        ".kpi": len(plan.kpis),
        "table.tiers tr[data-tier]": len(plan.meta.tiers),
    }


@pytest.fixture(scope="module")
def html(instance, plan) -> str:
    return render_report([(instance.name, instance, plan)])


def count(html_text: str, selector_class: str, tag: str) -> int:
    return len(re.findall(rf'<{tag} class="{selector_class}[" ]', html_text))


# ---------------------------------------------------------------------------- without a browser
def test_self_contained_no_external_reference(html):
    # the only http(s) text is the SVG namespace, which is a name, not a request
    assert set(re.findall(r"https?://[^\s\"'<>)]*", html)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html)
    assert not re.search(r"""\b(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(http" not in html and "fetch(" not in html
    assert "default-src 'none'" in html  # the browser itself refuses any request
    assert html.count("<script>") == 1 and html.count("<style>") == 1


def test_structure_counts_follow_the_plan(html, instance, plan):
    want = expected_counts(instance, plan)
    assert count(html, "township", "path") == want[".L-risk path.township"]
    assert count(html, "seal", "path") == want[".L-sealed path.seal"]
    assert count(html, "site", "circle") == want[".L-sampling circle.site"]
    assert count(html, "checkpoint", "rect") == want[".L-checkpoints rect.checkpoint"]
    assert count(html, "closed", "line") == want[".L-closed line.closed"]
    assert count(html, "lifted", "line") == want[".L-lifted line.lifted"]
    assert count(html, "lifeline", "polyline") + count(html, "lifeline", "circle") == want[".L-lifelines .lifeline"]
    assert count(html, "occ", "rect") == want["[data-chart=occupancy] rect.occ"]
    assert count(html, "team-bar", "rect") == want["[data-chart=tracing] rect.team-bar"]
    # the lifeline whose depot stands at the seat is a ring, the cut one a dotted line
    assert '<circle class="lifeline kept"' in html and '<polyline class="lifeline cut"' in html


def test_chinese_by_default_english_on_request(html, instance, plan):
    en = render_report([(instance.name, instance, plan)], lang="en")
    assert '<html lang="zh-CN">' in html and "保供通道" in html and "封控区" in html and "卡口" in html
    assert '<html lang="en">' in en and "Lifelines" in en and "Sealed zones" in en and "Checkpoints" in en
    assert "保供通道" not in en
    with pytest.raises(ValueError):
        render_report([(instance.name, instance, plan)], lang="fr")


def test_tooltips_carry_the_numbers(html, instance, plan):
    site = plan.sampling.sites[0]
    name = instance.by_id("sampling_sites")[site.site].name
    tips = re.findall(r'data-tip="([^"]*)"', html)
    assert any(name in t and f"：{site.desks}" in t.replace(": ", "：") for t in tips)
    cp = plan.roads.checkpoints[0]
    assert any(cp.arc in t and str(cp.crew_per_shift) in t for t in tips)


def test_absent_modules_leave_empty_layers_and_notes(instance, plan):
    bare = plan.model_copy(update={"roads": type(plan.roads)(), "supply": type(plan.supply)(),
                                   "isolation": type(plan.isolation)(), "tracing": type(plan.tracing)()})
    page = render_report([("bare", instance, bare)])
    assert count(page, "checkpoint", "rect") == 0 and count(page, "delivery", "polyline") == 0
    # lifelines are still drawn, from the instance, as unplanned links
    assert count(page, "lifeline unplanned", "polyline") + count(page, "lifeline unplanned", "circle") == len(instance.lifelines)
    assert page.count("本方案无此部分") == 2  # occupancy and tracing charts


def test_scenarios_side_by_side(instance, plan):
    worse = plan.model_copy(update={"kpis": {**plan.kpis, "critical_shortage_lines": 9}})
    page = render_report([("基准", instance, plan), ("春节返乡", instance, worse)])
    assert page.count('<section class="scenario"') == 2 and "--n: 2" in page
    assert count(page, "township", "path") == 2 * len(instance.townships)
    assert 'id="hatch0"' in page and 'id="hatch1"' in page  # ids stay unique on one page
    row = re.search(r'<tr data-kpi="critical_shortage_lines">(.*?)</tr>', page).group(1)
    assert re.findall(r"<td>([\d,]+)</td>", row) == ["3", "9"]


def test_plan_for_another_instance_is_refused(instance, plan):
    other = plan.model_copy(update={"sampling": plan.sampling.model_copy(update={"sites": [
        plan.sampling.sites[0].model_copy(update={"site": "S99"})]})})
    errors, _ = plan_problems(instance, other)
    assert errors == ["sampling.sites[0].site: unknown sampling site 'S99' (not in instance '三镇测试县')"]
    assert plan_problems(instance, plan)[0] == []


def test_report_reads_instance_and_plan_only():
    """Exporters never import the optimizer (docs/architecture.md)."""
    import ast

    import report

    for path in Path(report.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "optimizer" for n in names), path


@pytest.fixture
def files(tmp_path, instance, plan) -> tuple[Path, Path]:
    from models.io import save

    inst_path, plan_path = tmp_path / "inst.json", tmp_path / "plan.json"
    save(instance, inst_path)
    save(plan, plan_path)
    return inst_path, plan_path


def test_cli_report_writes_atomically_and_refuses_bad_input(files, tmp_path):
    inst_path, plan_path = files
    out = tmp_path / "out" / "report.html"
    r = CliRunner().invoke(main, ["report", str(inst_path), str(plan_path), "-o", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") and '<html lang="en">' in out.read_text()
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temporary file left behind
    # bad input: exit 2, one `path: message` line each, and the inputs untouched
    before = plan_path.read_bytes()
    r = CliRunner().invoke(main, ["report", str(inst_path), str(plan_path), "-o", str(plan_path)])
    assert r.exit_code == 2 and r.output.strip() == f"{plan_path}: refusing to overwrite the input file"
    assert plan_path.read_bytes() == before
    bad = tmp_path / "bad.json"
    bad.write_text('{"instance": "x"}', encoding="utf-8")
    r = CliRunner().invoke(main, ["report", str(inst_path), str(bad), "-o", str(out)])
    assert r.exit_code == 2
    assert all(line.startswith(f"{bad}: ") for line in r.output.strip().splitlines()) and "meta: Field required" in r.output
    r = CliRunner().invoke(main, ["report", str(inst_path), str(tmp_path / "missing.json"), "-o", str(out)])
    assert r.exit_code == 2 and "missing.json: cannot read" in r.output


def test_solve_writes_the_report_too(files, tmp_path, plan, monkeypatch):
    """`solve --report` writes the report of the plan it solved (the solver is replaced by a stub)."""
    inst_path, _ = files
    result = types.SimpleNamespace(plan=plan, status="FEASIBLE", summary=lambda: "stub solve")
    stub = types.ModuleType("optimizer")
    stub.solve = lambda inst, config, started=None, **options: result  # baseline, pins, ... as the CLI passes them
    monkeypatch.setitem(sys.modules, "optimizer", stub)
    out, plan_out = tmp_path / "r.html", tmp_path / "p.json"
    r = CliRunner().invoke(main, ["solve", str(inst_path), "-o", str(plan_out), "--report", str(out)])
    assert r.exit_code == 0, r.output
    assert count(out.read_text(encoding="utf-8"), "checkpoint", "rect") == len(plan.roads.checkpoints)
    r = CliRunner().invoke(main, ["solve", str(inst_path), "-o", str(plan_out), "--report", str(inst_path)])
    assert r.exit_code == 2 and "refusing to overwrite the input file" in r.output


# ---------------------------------------------------------------------------- in Chromium
class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (fd 3 in, fd 4 out)."""

    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", "--mute-audio", "--remote-debugging-pipe",
             "--window-size=1400,1000"]

    def __init__(self, profile: Path):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds() -> None:
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen([CHROMIUM, *self.FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf, self.next_id, self.events = b"", 0, []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable", session=True)

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buf:
            ready, _, _ = select.select([self.from_child], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, session: bool = False, timeout: float = 30, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        while True:
            for e in self.events[seen:]:
                if e.get("method") == method:
                    return e
            seen = len(self.events)
            self.events.append(self._read(deadline))

    def eval(self, expression: str):
        r = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise AssertionError(r["exceptionDetails"])
        return r["result"].get("value")

    def problems(self, page_url: str) -> tuple[list[str], list[str]]:
        """(console errors and uncaught exceptions, requests other than the page itself)."""
        errors, requests = [], []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(json.dumps(p.get("args"), ensure_ascii=False)[:300])
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                errors.append(d.get("exception", {}).get("description") or d.get("text", ""))
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                errors.append(p["entry"].get("text", "")[:300])
            elif m == "Network.requestWillBeSent" and p["request"]["url"] != page_url:
                requests.append(p["request"]["url"])
        return errors, requests

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 (closing anyway)
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_child)
        os.close(self.from_child)


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory, instance, plan):
    """The fixture's report opened from a file in Chromium: (browser, page URL)."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    folder = tmp_path_factory.mktemp("report")
    path = folder / "report.html"
    write_report(path, [(instance.name, instance, plan)])
    browser = Chromium(folder / "profile")
    url = path.resolve().as_uri()
    browser.call("Page.navigate", session=True, url=url)
    browser.wait_for("Page.loadEventFired")
    yield browser, url
    browser.close()


@needs_chromium
def test_browser_no_console_error_no_request_every_element_drawn(browser_page, instance, plan, tmp_path):
    browser, url = browser_page
    want = expected_counts(instance, plan)
    got = browser.eval("(" + json.dumps(list(want)) + ").reduce((o, s) => "
                       "(o[s] = document.querySelectorAll(s).length, o), {})")
    assert got == want
    # drawn, not merely present: every map layer and chart has a box on screen
    sizes = browser.eval("""[...document.querySelectorAll('svg.map g.layer, figure.chart svg')].map(g => {
        const b = g.getBoundingClientRect(); return [g.dataset.layer || g.closest('figure').dataset.chart,
        Math.round(b.width), Math.round(b.height)]; })""")
    assert {name for name, w, h in sizes if w > 0 and h > 0} == \
        {"risk", "sealed", "roads", "closed", "lifted", "lifelines", "deliveries", "checkpoints", "isolation",
         "sampling", "names", "occupancy", "staff", "shortages", "tracing"}
    shot = base64.b64decode(browser.call("Page.captureScreenshot", session=True, format="png")["data"])
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
    (tmp_path / "report.png").write_bytes(shot)
    errors, requests = browser.problems(url)
    assert errors == [] and requests == []


def seal_checkpoints_lifelines(browser: Chromium) -> dict[str, list[bool]]:
    """Per element: a checkpoint is hit where it is drawn, a lifeline has length (or is a ring), a seal has area."""
    return browser.eval("""(() => {
        const hit = el => { const b = el.getBoundingClientRect(); const x = b.left + b.width / 2, y = b.top + b.height / 2;
            el.scrollIntoView({block: 'center'});
            const c = el.getBoundingClientRect();
            return document.elementsFromPoint(c.left + c.width / 2, c.top + c.height / 2).includes(el); };
        return {checkpoints: [...document.querySelectorAll('.checkpoint')].map(hit),
                lifelines: [...document.querySelectorAll('.lifeline')].map(el => el.getTotalLength ?
                    el.getTotalLength() > 0 || el.tagName === 'circle' : false),
                seals: [...document.querySelectorAll('.seal')].map(el => el.getBBox().width > 0)}; })()""")


@needs_chromium
def test_browser_seal_checkpoints_and_lifelines_are_on_top_where_they_belong(browser_page, instance, plan):
    """Acceptance on the fixture: the seal, every checkpoint and every lifeline can be seen (hit) on the map."""
    browser, _ = browser_page
    hits = seal_checkpoints_lifelines(browser)
    assert hits["checkpoints"] == [True] * len(plan.roads.checkpoints)
    assert hits["lifelines"] == [True] * len(instance.lifelines)
    assert hits["seals"] == [True] * sum(t.sealed for t in instance.townships)


@needs_chromium
def test_browser_layers_switch_and_elements_show_their_numbers(browser_page, plan, instance):
    browser, _ = browser_page
    shown = browser.eval("""(() => {
        const box = document.querySelector('.layer-toggle[value=sealed]');
        const layer = document.querySelector('.L-sealed');
        box.click(); const off = getComputedStyle(layer).display;
        box.click(); const on = getComputedStyle(layer).display;
        return [off, on]; })()""")
    assert shown == ["none", "inline"]
    site = plan.sampling.sites[0]
    text = browser.eval(f"""(() => {{
        const el = document.querySelector('circle.site[data-id="{site.site}"]');
        el.dispatchEvent(new MouseEvent('mouseover', {{bubbles: true}}));
        const tip = document.getElementById('tooltip');
        const hover = [getComputedStyle(tip).display, tip.textContent];
        el.dispatchEvent(new MouseEvent('click', {{bubbles: true}}));
        return [hover, el.closest('.scenario').querySelector('.info-text').textContent]; }})()""")
    (display, hover), pinned = text
    assert display == "block" and instance.by_id("sampling_sites")[site.site].name in hover
    assert pinned == hover and str(site.desks) in pinned
    visible = browser.eval("""(() => {
        const sel = document.querySelector('.vehicle-pick'); sel.value = 'V1';
        sel.dispatchEvent(new Event('change'));
        const r = [...document.querySelectorAll('.delivery')].map(e => [e.dataset.vehicle, getComputedStyle(e).display]);
        sel.value = '*'; sel.dispatchEvent(new Event('change')); return r; })()""")
    assert visible == [["V1", "inline"], ["V2", "none"]]


@needs_chromium
def test_browser_harness_sees_console_errors_and_requests(tmp_path):
    """The checks above can fail: a page that logs an error and asks the network is caught."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><img src='http://127.0.0.1:9/x.png'>"
                    "<script>console.error('broken'); undefinedFunction();</script></body></html>", encoding="utf-8")
    browser = Chromium(tmp_path / "profile")
    try:
        browser.call("Page.navigate", session=True, url=page.as_uri())
        browser.wait_for("Page.loadEventFired")
        errors, requests = browser.problems(page.as_uri())
    finally:
        browser.close()
    assert any("broken" in e for e in errors) and any("undefinedFunction" in e for e in errors)
    assert requests == ["http://127.0.0.1:9/x.png"]


@pytest.mark.slow
@needs_chromium
def test_demo_county_acceptance(tmp_path):
    """Issue 10's acceptance: `fangkong report` on the demo county's plan, opened in Chromium, shows the seal,
    the checkpoints and every lifeline. Slow: it solves the demo county first (set FANGKONG_DEMO_PLAN to reuse a plan)."""
    from models.io import load_instance, load_plan, save

    demo = Path(__file__).resolve().parents[1] / "instances" / "demo-county.json"
    inst = load_instance(demo)
    plan_path = Path(os.environ.get("FANGKONG_DEMO_PLAN", tmp_path / "plan.json"))
    if not plan_path.exists():
        from models import SolveConfig
        from optimizer import solve

        save(solve(inst, SolveConfig(time_limit_s=60, workers=2)).plan, plan_path)
    plan = load_plan(plan_path)
    out = tmp_path / "report.html"
    r = CliRunner().invoke(main, ["report", str(demo), str(plan_path), "-o", str(out)])
    assert r.exit_code == 0, r.output
    browser = Chromium(tmp_path / "profile")
    try:
        browser.call("Page.navigate", session=True, url=out.as_uri())
        browser.wait_for("Page.loadEventFired")
        hits = seal_checkpoints_lifelines(browser)
        got = browser.eval("(" + json.dumps(list(expected_counts(inst, plan))) + ").reduce((o, s) => "
                           "(o[s] = document.querySelectorAll(s).length, o), {})")
        errors, requests = browser.problems(out.as_uri())
    finally:
        browser.close()
    assert got == expected_counts(inst, plan)
    assert hits["seals"] == [True] * sum(t.sealed for t in inst.townships) and hits["seals"]
    assert hits["checkpoints"] == [True] * sum(1 for c in plan.roads.checkpoints if c.day == 0)
    assert hits["lifelines"] == [True] * len(inst.lifelines) and hits["lifelines"]
    assert errors == [] and requests == []
