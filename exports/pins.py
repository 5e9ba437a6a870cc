"""Pins in the workbook: the 固定 (pinned) and 决策代码 (decision code) columns of the sheets whose
rows are decisions, and `read_pins(plan.xlsx)` for `fangkong solve --pin`.

The code cell names the row's decisions by ids (models/choices.py), so a pinned row means the
same whatever the planner sorts, filters or retitles; the planner writes 1, 是, yes or x in
固定. Rows are matched to the plan by the ids (or names) their sheet shows: a row that cannot
be matched without doubt (two sites of one name) gets no code and cannot be pinned.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from exports import labels as L
from exports.frames import Context, Sheet
from models.choices import Pin, clock_text, code, day_date, parse_code
from models.io import InputError

L.COLUMNS.update({"pinned": ("固定", "pinned"), "decision_code": ("决策代码", "decision code")})
L.NOTES.update({"pins": ("在“固定”列填写1、是、yes或x，再以 fangkong solve --pin 本表 重新编制，该行决策保持不变（决策代码勿改）。",
                         "Write 1, yes or x under 'pinned' and re-plan with fangkong solve --pin on this workbook "
                         "to keep that row's decisions (leave the decision code as it is).")})
YES = {"1", "是", "yes", "y", "x", "true", "✓", "√", "固定"}
NO = {"", "0", "否", "no", "n", "false"}


def _sampling_site_codes(ctx: Context, frame) -> list[str]:
    names = defaultdict(list)
    for s in ctx.plan.sampling.sites:
        cand = ctx.instance.by_id("sampling_sites").get(s.site)
        names[cand.name if cand else s.site].append(s)
    out = []
    for name in frame[ctx.col("site_name")]:
        found = names.get(name, [])
        if len(found) != 1:
            out.append("")
            continue
        s = found[0]
        out.append(code([(("site", s.site), 1)] + [(("desks", s.site, k), n) for k, n in s.desks_by_shift.items()]))
    return out


def _grid_codes(ctx: Context, frame) -> list[str]:
    rows = {g.grid: g for g in ctx.plan.sampling.grids}
    return [code([(("grid", g), rows[g].site or "")]) if g in rows else "" for g in frame[ctx.col("grid")]]


def _case_codes(ctx: Context, frame) -> list[str]:
    rows = {a.case: a for a in ctx.plan.tracing.assignments}
    out = []
    for cid in frame[ctx.col("case")]:
        a = rows.get(cid)
        if a is None or not a.traced:
            out.append("")  # nothing to keep: pin a team by writing the plan again, not an empty row
            continue
        team = [(("case", cid, m.role), m.staff) for m in a.members if m.role in ("epidemiologist", "police")]
        out.append(code(team + [(("start", cid), clock_text(ctx.plan.plan_date, a.start_hour))]))
    return out


def _placement_codes(ctx: Context, frame) -> list[str]:
    from exports.sheets_isolation import _site

    rows = defaultdict(list)
    for p in ctx.plan.isolation.placements:
        rows[p.cohort, _site(ctx, p.site)].append(p)
    out = []
    for cid, site in zip(frame[ctx.col("cohort")], frame[ctx.col("iso_site")]):
        found = rows.get((cid, site), [])
        out.append(code([(("cohort", cid, found[0].site), sum(p.people for p in found))]) if found else "")
    return out


def _arc_codes(ctx: Context, frame) -> list[str]:
    status = {(a.arc, ctx.date_text(a.day)): a for a in ctx.plan.roads.arcs}
    days = frame[ctx.col("day")] if ctx.col("day") in frame else [ctx.date_text(0)] * len(frame)
    out = []
    for arc, when in zip(frame[ctx.col("arc")], days):
        a = status.get((arc, when))
        out.append(code([(("arc", arc, day_date(ctx.plan.plan_date, a.day)), a.status)]) if a else "")
    return out


def _shipment_codes(ctx: Context, frame) -> list[str]:
    coms = ctx.instance.by_id("commodities")
    rows = defaultdict(list)
    for s in ctx.plan.supply.shipments:
        c = coms.get(s.commodity)
        shown = (ctx.date_text(s.day), ctx.name_of("sources", s.source), ctx.township_name(s.township),
                 c.name if c else s.commodity)
        rows[shown].append(s)
    out = []
    cols = [ctx.col(k) for k in ("date", "from_source", "township", "item")]
    for shown in zip(*(frame[c] for c in cols)):
        found = rows.get(tuple(shown), [])
        if len({(s.source, s.township, s.commodity) for s in found}) != 1:
            out.append("")
            continue
        s = found[0]
        key = ("ship", s.source, s.township or s.destination, s.commodity, day_date(ctx.plan.plan_date, s.day))
        out.append(code([(key, sum(x.quantity for x in found))]))
    return out


PINNABLE = {"sampling_sites": _sampling_site_codes, "grids": _grid_codes, "tracing": _case_codes,
            "isolation": _placement_codes, "road_status": _arc_codes, "shipments": _shipment_codes}
"""Sheet key -> the decision codes of its first table's rows."""


def add_pin_columns(ctx: Context, sheets: list[Sheet]) -> None:
    """Put 固定 and 决策代码 before 备注 in the first table of every decision sheet."""
    for s in sheets:
        codes = PINNABLE.get(s.key)
        if codes is None or not s.tables:
            continue
        frame = s.tables[0].frame
        if frame.empty:
            continue
        try:
            values = codes(ctx, frame)
        except KeyError:  # a sheet whose columns changed: no pins rather than a broken export
            continue
        at = len(frame.columns) - 1  # 备注 stays last (WORKBOOKS.md §1)
        frame.insert(at, ctx.col("decision_code"), values)
        frame.insert(at, ctx.col("pinned"), "")
        s.notes.append(L.note("pins", ctx.lang))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_pins(path: Path) -> list[Pin]:
    """The pinned rows of a workbook written by `solve --xlsx` (either language); InputError with
    one `file!Sheet!C12: message` line per unreadable cell."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError([f"{path}: no such file"]) from None
    except Exception as e:  # openpyxl raises several kinds for a file that is not a workbook
        raise InputError([f"{path}: cannot read as an .xlsx workbook ({type(e).__name__})"]) from None
    pinned_words = {L.column("pinned", lang) for lang in L.LANGS}
    code_words = {L.column("decision_code", lang) for lang in L.LANGS}
    pins: list[Pin] = []
    problems: list[str] = []
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True)
        header_at, pin_col, code_col = None, None, None
        for r, row in enumerate(rows, start=1):
            cells = [_text(v) for v in row]
            if header_at is None:
                if r > 20:
                    break  # the house frame puts the header on row 3; a sheet without pins has none
                if any(c in pinned_words for c in cells) and any(c in code_words for c in cells):
                    header_at = r
                    pin_col = next(k for k, c in enumerate(cells) if c in pinned_words)
                    code_col = next(k for k, c in enumerate(cells) if c in code_words)
                continue
            if not cells or not cells[0].isdigit():
                break  # the 合计 row (or the end of the first table)
            mark = cells[pin_col].lower() if pin_col < len(cells) else ""
            where = f"{path}!{ws.title}!"
            if mark in NO:
                continue
            if mark not in YES:
                problems.append(f"{where}{get_column_letter(pin_col + 1)}{r}: cannot read {cells[pin_col]!r} as "
                                "pinned (write 1, 是, yes or x, or leave it empty)")
                continue
            text = cells[code_col] if code_col < len(cells) else ""
            if not text:
                problems.append(f"{where}{get_column_letter(code_col + 1)}{r}: pinned, but the row has no decision "
                                "code (a row the plan cannot name, or the code was deleted)")
                continue
            try:
                pins.append(Pin(f"{where}row {r}", tuple(parse_code(text))))
            except ValueError as e:
                problems.append(f"{where}{get_column_letter(code_col + 1)}{r}: {e}")
    wb.close()
    if problems:
        raise InputError(problems)
    return pins
