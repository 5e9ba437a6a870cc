"""变更 / Changes: what a re-plan (`solve --baseline`) changed from the published plan, old → new
with the reason, one table per stakeholder (townships, tracing teams, isolation sites,
vehicles), so each can be told only what concerns it.

Shown when the plan was solved against a baseline (its metadata has the stability tier); 无
when nothing changed. Its words are registered here, next to the sheet, like the tracing sheet's.
"""

from __future__ import annotations

from exports import labels as L
from exports.frames import Context, Sheet, join, natural_key, sheet, table
from models.plan import Change

L.SHEETS["changes"] = ("变更", "Changes", "方案变更对照表", "Changes from the published plan")
L.COLUMNS.update({
    "chg_stakeholder": ("对象", "Concerns"),
    "chg_what": ("变更事项", "Decision"),
    "chg_old": ("原方案", "Published plan"),
    "chg_new": ("新方案", "New plan"),
    "chg_reason": ("变更原因", "Reason"),
})
L.NOTES.update({
    "chg_unit": ("变更按决策计：一名流调人员改派、一次开始时间调整、一个网格改点、一个采样点开设或撤销、一个班次采样台数变化、"
                 "一组隔离人员在一个隔离点的人数变化、一个路段一日的管控状态变化、一笔调拨（来源×乡镇×物资×日）数量变化，各计1项。",
                 "One change per decision: an investigator reassigned, a team start moved, a grid sent to another site, "
                 "a sampling site opened or closed, a shift's desks changed, an arrival group's people at a site "
                 "changed, an arc's status on a day changed, a shipment (source × township × commodity × day) "
                 "changed."),
    "chg_order": ("稳定性为最低优先级：先保证危重缺口、一般缺口、成本，再尽量少变更；车辆线路随调拨量重排，不计入变更数。",
                  "Stability comes last: critical shortages, routine shortages and cost first, then as few changes "
                  "as possible; vehicle routes follow the shipments and are not counted."),
})
CAPTIONS = {"township": ("乡镇（街道）", "Townships"), "tracing_team": ("流调队伍", "Tracing teams"),
            "isolation_site": ("集中隔离点", "Isolation sites"), "vehicle": ("车辆", "Vehicles")}
REASONS = {
    "new_case": ("新增病例{0}", "new case {0}"),
    "new_cohort": ("新到隔离人员{0}", "cohort {0} arrived"),
    "new_need": ("新增需求{0}", "new need {0}"),
    "fixes_shortage": ("补上原方案缺口{0}", "fixes the shortage of {0}"),
    "now_short": ("无法保持：{0}", "no longer possible: {0}"),
    "not_possible": ("原安排已不可行（人员不在候选范围等）", "the old choice is no longer possible (not a candidate)"),
    "makes_way": ("让位于{0}", "makes way for {0}"),
    "routes": ("调拨量变化，线路重排", "shipments changed, routes redone"),
    "routes_cut": ("原调拨量未变，按今晚配送线路实际装运", "kept by the plan; the routes carry this much tonight"),
    "cheaper": ("整体优化（未见单一需求；各层较原方案：{0}）", "re-optimised (no single need found; tiers vs the "
                "published plan: {0})"),
}
WHAT = {
    "site": ("{1}开设", "{1} open"),
    "desks": ("{1}采样台（{2}）", "{1}: desks ({2})"),
    "grid": ("网格{1}采样点", "grid {1}: site"),
    "tubes": ("送检{2}（管）", "tubes to {2}"),
    "activate": ("启用备用隔离点{1}", "reserve site {1} activated"),
    "case": ("病例{1}{role}", "case {1}: {role}"),
    "start": ("病例{1}流调开始", "case {1}: start"),
    "cohorts": ("隔离人员{1}（人）", "cohort {1} (people)"),
    "arc": ("路段{1}（{2}）", "arc {1} ({2})"),
    "ship": ("{3}自{1}（{4}）", "{3} from {1} ({4})"),
    "route": ("{2}线路", "route on {2}"),
}
ROLES = {"epidemiologist": ("疾控流调人员", "epidemiologist"), "police": ("公安协查人员", "police officer")}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _name(ctx: Context, ident: str) -> str:
    person = ctx.instance.by_id("staff").get(ident)
    if person is not None:
        return person.name
    vehicle = ctx.instance.by_id("vehicles").get(ident)
    if vehicle is not None:
        return vehicle.plate
    return ctx.township_name(ident) if ident in ctx.townships else ctx.any_name(ident)


def _what(ctx: Context, c: Change) -> str:
    parts = c.decision.split("|")
    template = WHAT.get(parts[0])
    if template is None:
        return c.what
    names = [parts[0]] + [p if parts[0] in ("case", "start", "grid", "arc", "cohorts", "route") else _name(ctx, p)
                          for p in parts[1:]]
    role = _pick(ROLES.get(parts[2], (parts[2], parts[2])), ctx.lang) if parts[0] == "case" else ""
    return _pick(template, ctx.lang).format(*names, role=role)


def _value(ctx: Context, c: Change, value: str) -> str:
    kind = c.decision.split("|")[0]
    if value == "":
        return "—"
    if kind in ("site", "activate"):
        return {"1": "是" if ctx.lang == "zh" else "yes", "0": "否" if ctx.lang == "zh" else "no"}.get(value, value)
    if kind in ("case", "grid"):
        return _name(ctx, value)
    if kind == "arc":
        return ctx.word("arc_status", value)
    if kind == "start":
        return value.replace("T", " ")
    if kind == "route":
        return " → ".join(_name(ctx, s) for s in value.split("→"))
    return value


def _reason(ctx: Context, c: Change) -> str:
    if c.reason == "now_short":
        detail = L.phrase(c.reason_detail, ctx.lang)
    elif c.reason == "cheaper":
        detail = join((_tier_move(ctx, p) for p in c.reason_detail.split("; ")), ctx.lang) or "—"
    else:
        detail = join((_name(ctx, p) for p in c.reason_detail.split(",")), ctx.lang)
    return _pick(REASONS[c.reason], ctx.lang).format(detail)


def _tier_move(ctx: Context, text: str) -> str:
    """`cost -114909` in the planner's words (tier name from labels)."""
    name, _, delta = text.partition(" ")
    return f"{L.priority_tier(name, ctx.lang)} {delta}" if name else ""


def _concerns(ctx: Context, c: Change) -> str:
    if c.stakeholder == "tracing_team":
        return c.stakeholder_id  # the case the team traces
    return _name(ctx, c.stakeholder_id)


@sheet("changes", order=950)
def changes_sheet(ctx: Context) -> Sheet | None:
    """变更: old → new per stakeholder, with the reason; only for a plan solved against a baseline."""
    plan = ctx.plan
    if not any(t.get("name") == "stability" for t in plan.meta.tiers) and not plan.changes:
        return None
    lang = ctx.lang
    tables = []
    for kind, caption in CAPTIONS.items():
        mine = sorted((c for c in plan.changes if c.stakeholder == kind),
                      key=lambda c: (ctx.township_key(c.stakeholder_id) if kind == "township" else (0,),
                                     natural_key(c.stakeholder_id), natural_key(c.decision)))
        rows = [{"chg_stakeholder": _concerns(ctx, c), "chg_what": _what(ctx, c), "chg_old": _value(ctx, c, c.old),
                 "chg_new": _value(ctx, c, c.new), "chg_reason": _reason(ctx, c)} for c in mine]
        if rows or kind != "vehicle":
            tables.append(table(ctx, rows, ["chg_stakeholder", "chg_what", "chg_old", "chg_new", "chg_reason"],
                                count_column="chg_what", caption=_pick(caption, lang),
                                empty_text=L.frame_text("none", lang)))
    notes = [L.note("chg_unit", lang), L.note("chg_order", lang)]
    return Sheet("changes", L.sheet_name("changes", lang), ctx.title("changes"), tables, notes)
