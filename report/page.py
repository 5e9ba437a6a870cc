"""The HTML page: a header, then one column per scenario (several for a what-if comparison,
after a table of their KPIs): KPIs and solver status per tier at the top, the layer switches
and the map, then the charts. Styles and script are inlined; a Content-Security-Policy
forbids the page any request, so it behaves the same offline as on a network.
"""

from __future__ import annotations

from datetime import timedelta
from importlib.resources import files
from typing import NamedTuple

from exports import labels as L
from models.instance import Instance
from models.plan import Plan
from report.charts import all_charts
from report.map import draw_map, layer_controls
from report.svg import esc, num
from report.words import rw

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
NAMES_UP_TO = 60  # township names are shown by default on maps of at most this many townships


class Scenario(NamedTuple):
    """One plan to show: a what-if comparison passes several, shown side by side."""

    name: str
    instance: Instance
    plan: Plan


def _asset(name: str) -> str:
    return files("report").joinpath(name).read_text(encoding="utf-8")


def _kpi_cards(plan: Plan, lang: str) -> str:
    cards = []
    for key, value in plan.kpis.items():
        name, unit = L.kpi(key, lang)
        bad = " bad" if value and key in ("critical_shortage_lines", "critical_people_unserved",
                                          "isolation_unhoused_people", "tracing_cases_late") else ""
        cards.append(f'<div class="kpi{bad}" data-kpi="{esc(key)}"><span class="v">{esc(num(value, 2))}</span>'
                     f'<span class="u">{esc(unit)}</span><div class="k">{esc(name)}</div></div>')
    return f'<div class="kpis">{"".join(cards)}</div>'


def _gap(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _solve_panel(plan: Plan, lang: str) -> str:
    m = plan.meta
    status = (f'<span class="status-{esc(m.status)}" data-status="{esc(m.status)}">'
              f'{esc(L.word("status", m.status, lang))}</span>')
    facts = [(L.solve_row("status", lang)[0], status, True), (L.solve_row("gap", lang)[0], esc(_gap(m.gap)), True),
             (L.solve_row("wall_seconds", lang)[0], f"{esc(num(m.wall_seconds, 1))} s", True),
             (L.solve_row("time_limit_s", lang)[0], f"{esc(num(m.time_limit_s))} s", True),
             (L.solve_row("seed", lang)[0], esc(m.seed), True), (L.solve_row("workers", lang)[0], esc(m.workers), True),
             (L.solve_row("deterministic", lang)[0], esc(L.word("bool", m.deterministic, lang)), True)]
    head = "".join(f"<span>{esc(k)}：<b>{v}</b></span>" if lang == "zh" else f"<span>{esc(k)}: <b>{v}</b></span>"
                   for k, v, _ in facts)
    rows = []
    for t in m.tiers:
        value, bound = t.get("value"), t.get("bound")
        gap = t.get("gap")
        if gap is None and value is not None and bound is not None:
            gap = abs(value - bound) / max(1.0, abs(value))
        rows.append(f'<tr data-tier="{esc(t.get("name", ""))}"><td>{esc(L.priority_tier(str(t.get("name", "")), lang))}</td>'
                    f'<td class="status-{esc(t.get("status", ""))}">{esc(L.word("status", t.get("status", ""), lang))}</td>'
                    f'<td>{esc(num(value, 2))}</td><td>{esc(num(bound, 2))}</td><td>{esc(_gap(gap))}</td>'
                    f'<td>{esc(num(t.get("seconds"), 1))}</td></tr>')
    header = "".join(f"<th>{esc(rw(k, lang))}</th>" for k in ("tier_name", "status", "tier_value", "tier_bound",
                                                               "tier_gap", "tier_seconds"))
    table = f'<table class="tiers"><tr>{header}</tr>{"".join(rows)}</table>' if rows else ""
    return (f'<div class="panel solve-panel"><h3>{esc(L.word("category", "solve", lang))}</h3>'
            f'<div class="solve">{head}</div>{table}</div>')


def _comparison(scenarios: list[Scenario], lang: str) -> str:
    """KPIs of every scenario in one table, a column per scenario."""
    keys = list(dict.fromkeys(k for s in scenarios for k in s.plan.kpis))
    head = "".join(f"<th>{esc(s.name)}</th>" for s in scenarios)
    rows = []
    for key in keys:
        name, unit = L.kpi(key, lang)
        cells = "".join(f"<td>{esc(num(s.plan.kpis.get(key), 2))}</td>" for s in scenarios)
        rows.append(f'<tr data-kpi="{esc(key)}"><td>{esc(name)}{f" ({esc(unit)})" if unit else ""}</td>{cells}</tr>')
    status = "".join(f"<td>{esc(L.word('status', s.plan.meta.status, lang))} / {esc(_gap(s.plan.meta.gap))}</td>"
                     for s in scenarios)
    rows.append(f"<tr><td>{esc(L.solve_row('status', lang)[0])} / {esc(L.solve_row('gap', lang)[0])}</td>{status}</tr>")
    return (f'<section class="panel comparison"><h2>{esc(rw("comparison", lang))}</h2>'
            f'<table><tr><th>{esc(L.word("category", "kpi", lang))}</th>{head}</tr>{"".join(rows)}</table></section>')


def _vehicle_picker(inst: Instance, plan: Plan, lang: str) -> str:
    if not plan.supply.routes:
        return ""
    plates = inst.by_id("vehicles")
    opts = [f'<option value="*">{esc(rw("vehicle_all", lang))}</option>']
    for r in plan.supply.routes:
        v = plates.get(r.vehicle)
        label = f"{v.plate if v else r.vehicle}（{r.vehicle}）" if lang == "zh" else f"{v.plate if v else r.vehicle} ({r.vehicle})"
        opts.append(f'<option value="{esc(r.vehicle)}">{esc(label)}</option>')
    return (f'<label>{esc(L.column("plate", lang))} <select class="vehicle-pick">{"".join(dict.fromkeys(opts))}'
            f'</select></label>')


def _scenario(k: int, s: Scenario, lang: str, many: bool, controls: str) -> str:
    svg, not_drawn = draw_map(s.instance, s.plan, lang, k)
    missing = f'<p class="note">{esc(rw("not_drawn", lang, items=", ".join(not_drawn[:30])))}</p>' if not_drawn else ""
    colon = "：" if lang == "zh" else ": "
    title = f'<h2>{esc(rw("scenario", lang))}{colon}{esc(s.name)}</h2>' if many else ""
    summary = f'<section class="panel"><h3>{esc(L.word("category", "kpi", lang))}</h3>{_kpi_cards(s.plan, lang)}</section>'
    return (f'<section class="scenario" data-scenario="{k}">{title}{summary}{_solve_panel(s.plan, lang)}'
            f'<h2>{esc(rw("map", lang))}</h2>{controls}<p class="hint">{esc(rw("hint", lang))}</p>'
            f'<div class="mapbox">{svg}</div>'
            f'<div class="mapbar">{_vehicle_picker(s.instance, s.plan, lang)}</div>{missing}'
            f'<div class="info"><b>{esc(rw("pinned", lang))}</b><span class="info-text">{esc(rw("nothing", lang))}</span></div>'
            f'{all_charts(s.instance, s.plan, lang)}</section>')


def render_page(scenarios: list[Scenario], lang: str) -> str:
    first = scenarios[0].instance
    office = first.issuing_office
    title = L.frame_text("title", lang, office=office, subject=rw("subject", lang))
    as_of = L.frame_text("as_of", lang, as_of=first.plan_date - timedelta(days=1), hour=first.as_of_hour,
                         date=first.plan_date)
    many = len(scenarios) > 1
    names_on = max(len(s.instance.townships) for s in scenarios) <= NAMES_UP_TO
    controls = layer_controls(lang, {"names": names_on})
    body = "".join(_scenario(k, s, lang, many, controls) for k, s in enumerate(scenarios))
    subtitle = " · ".join(esc(s.name) for s in scenarios)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_asset('report.css')}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(as_of)}</p><p>{subtitle}</p></header><main>"
        f"{_comparison(scenarios, lang) if many else ''}"
        f'<div class="scenarios" style="--n: {len(scenarios)}">{body}</div></main>'
        f'<footer>{esc(L.frame_text("issued_by", lang, office=office))}</footer>'
        f'<div id="tooltip"></div><script>{_asset("report.js")}</script></body></html>\n'
    )
