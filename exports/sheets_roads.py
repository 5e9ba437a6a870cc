"""道路管控 / road sheets: arc statuses, checkpoints with their guards, lifelines with their
routes and resilience, and the requested closures the plan lifts.

The sheets' words (headers, notes, objective terms, shortage phrases) are registered into
`exports.labels` here, next to the sheets that use them.
"""

from __future__ import annotations

from exports import labels as L
from exports.frames import Context, Sheet, join, natural_key, sheet, table
from optimizer.roads_rules import checkpoint_shifts

L.SHEETS.update({
    "road_status": ("道路管控", "Road status", "公路交通管控措施统计表", "Road status"),
    "checkpoints": ("卡口设置", "Checkpoints", "疫情防控卡口设置一览表", "Checkpoints"),
    "lifelines": ("保供通道", "Lifelines", "生活物资保供通道一览表", "Lifelines"),
    "lifted_closures": ("解除封堵", "Lifted closures", "申请封闭路段解除一览表", "Lifted closures"),
})
L.COLUMNS.update({
    "day": ("日期", "Date"),
    "arc": ("路段编号", "Arc"),
    "arc_from": ("起点", "From"),
    "arc_to": ("终点", "To"),
    "road_class": ("道路等级", "Class"),
    "road_section": ("道路（路段）", "Road section"),
    "direction": ("方向", "Direction"),
    "arc_status": ("管控措施", "Status"),
    "arc_reason": ("原因", "Reason"),
    "checkpoint_arc": ("卡口位置（路段）", "Checkpoint (arc)"),
    "checkpoint_seal": ("所守封控区", "Sealed zone guarded"),
    "cp_shifts": ("值守班次", "Shifts"),
    "crew_per_shift": ("每班人数（人）", "Crew per shift (people)"),
    "crew_total": ("值守人员（人次）", "Guards (person-shifts)"),
    "guards": ("值守人员", "Staff"),
    "lifeline": ("通道编号", "Lifeline"),
    "lifeline_pair": ("起点→保供乡镇", "Pair"),
    "lifeline_status": ("通道状态", "State"),
    "route": ("通道路线", "Route"),
    "route_min": ("行驶时间（分钟）", "Minutes"),
    "budget_min": ("时限（分钟）", "Budget (min)"),
    "disjoint": ("独立路线（条）", "Disjoint routes"),
    "critical_arcs": ("关键路段", "Critical arcs"),
    "route_checkpoints": ("途经卡口", "Checkpoints on route"),
    "pass_vehicles": ("通行证车辆", "Pass vehicles"),
    "requested_by": ("申请乡镇", "Requested by"),
    "cut_lifeline": ("封闭将中断的通道", "Lifeline it would cut"),
    "lifted_to": ("处理", "Lifted to"),
})
L.WORDS.update({
    "road_class": {"expressway": ("高速公路", "expressway"), "national": ("国道", "national"),
                   "provincial": ("省道", "provincial"), "county": ("县道", "county"),
                   "village": ("乡村道路", "village")},
    "arc_status": {"open": ("畅通", "open"), "checkpoint": ("设卡查验", "checkpoint"), "closed": ("封闭", "closed")},
    "arc_reason": {"seal_exit": ("封控区出口", "sealed-zone exit"), "requested": ("乡镇申请封闭", "requested closure"),
                   "lifted": ("申请封闭已解除（影响保供通道）", "requested closure lifted (would cut a lifeline)"),
                   "": ("", "")},
    "direction": {"forward": ("正向", "forward"), "backward": ("反向", "backward")},
    "lifeline_state": {"True": ("畅通", "open"), "False": ("中断", "cut")},
    "lifted_to": {"open": ("解除封闭", "opened"), "checkpoint": ("改设卡口", "checkpoint instead")},
})
L.WORDS["unit"].setdefault("lifelines", ("条", "lifelines"))
L.WORDS["unit"].setdefault("arcs", ("个", "arcs"))
L.NOTES.update({
    "road_rules": ("封控区每条出口路段须封闭或设卡查验；高速公路主线不得封闭或设卡，只在收费站出口设卡；"
                   "同一道路同一方向只设一处卡口。本表只列封闭、设卡及申请封闭的路段，其余路段畅通。",
                   "Every arc leaving a sealed zone is closed or checkpointed; no closure or checkpoint on an "
                   "expressway mainline (toll-plaza exits only); at most one checkpoint per section and direction. "
                   "Only closed, checkpointed and requested arcs are listed; every other arc is open."),
    "closure_penalty": ("非封控必需的封闭一律计入代价（不搞“一刀切”），乡镇申请的封闭在不中断保供通道时予以保留。",
                        "Every closure no seal requires is penalised (no blanket closures); closures townships asked "
                        "for are kept unless they would cut a lifeline."),
    "checkpoint_crew": ("卡口24小时值守，每日{shifts}班，每班{crew}人，由人员库中具备卡口值守资格的人员担任；"
                        "每个封控区至少保留{k}处有人值守的出入口。",
                        "Checkpoints are staffed around the clock: {shifts} shifts a day of {crew} guards each, from "
                        "pool staff who may guard; every sealed zone keeps at least {k} guarded exit(s)."),
    "lifelines": ("保供通道须经畅通或设卡路段、在时限内到达乡镇驻地，且不得穿越其不服务的封控区；"
                  "独立路线为互不共用路段、均在时限内的路线数（逐条求得，为下限）；关键路段为单独中断即致通道超时或中断的路段。"
                  "持证货车按“一车一证一线路”沿本表路线通行。",
                  "A lifeline runs over open or checkpointed arcs to the township seat within its time budget and "
                  "crosses no sealed zone it does not serve. Disjoint routes: routes within budget sharing no arc, "
                  "found one after another (a lower bound). Critical arcs: arcs whose single loss breaks it. Trucks "
                  "with a pass follow the route listed (one vehicle, one pass, one route)."),
    "lifted": ("下列路段系乡镇申请封闭，因封闭将使所列保供通道中断或超时，予以解除或改设卡口。",
               "Closures townships asked for that would cut the lifeline listed; they are lifted or turned into "
               "checkpoints."),
})
L.REMARKS.update({
    "guarded_exit": ("作为封控区值守出入口保留", "kept as the sealed zone's guarded exit"),
})
L.TERMS.update({
    "roads.lifelines_cut": ("保供通道中断（加权）", "Lifelines cut (weighted)", ""),
    "roads.seal_checkpoint_gap": ("封控区缺值守出入口（加权）", "Sealed zones without a guarded exit (weighted)", ""),
    "roads.lifted_requests": ("解除的申请封闭路段", "Requested closures lifted", "arcs"),
    "roads.unneeded_closures": ("非封控必需封闭的代价", "Cost of closures no seal requires", "yuan"),
})
L.PHRASES.extend([
    (r"lifeline cut on day (\d+)", "保供通道中断（第{0}日）", "lifeline cut on day {0}"),
    (r"sealed zone without a guarded exit on day (\d+)", "封控区无值守出入口（第{0}日）",
     "sealed zone without a guarded exit on day {0}"),
    (r"sealed zone exit on an expressway mainline", "封控区出口位于高速公路主线", "sealed zone exit on an expressway mainline"),
    (r"closed arcs ([^;]*); sealed zones (.*)", "封闭路段：{0}；封控区：{1}", "closed arcs {0}; sealed zones {1}"),
    (r"closed arcs (.*)", "封闭路段：{0}", "closed arcs {0}"),
    (r"sealed zones (.*)", "须绕避的封控区：{0}", "sealed zones {0}"),
    (r"no route within (\d+) min even with every road open", "全部路段畅通时亦无{0}分钟内可达路线",
     "no route within {0} min even with every road open"),
    (r"checkpoint guards within commuting range of ([^:]*): (\d+) eligible, (\d+) needed a day",
     "卡口值守人员不足（{0}：可用{1}人，每日需{2}人）",
     "checkpoint guards within commuting range of {0}: {1} eligible, {2} needed a day"),
    (r"checkpoint guards within commuting range of (.*) taken by other duties", "卡口值守人员已承担其他任务（{0}）",
     "checkpoint guards within commuting range of {0} taken by other duties"),
    (r"no toll-plaza exit: a mainline may be neither closed nor checkpointed", "无收费站出口：高速主线不得封闭或设卡",
     "no toll-plaza exit: a mainline may be neither closed nor checkpointed"),
])


def _colon(ctx: Context) -> str:
    return "：" if ctx.lang == "zh" else ": "


def _node(ctx: Context, node: str) -> str:
    n = ctx.instance.by_id("road_nodes").get(node)
    return f"{node}（{ctx.township_name(n.township)}）" if n and ctx.lang == "zh" else \
        f"{node} ({ctx.township_name(n.township)})" if n else node


def _multi_day(ctx: Context) -> bool:
    return ctx.instance.policy.roads.horizon_days > 1


def _day_key(ctx: Context, keys: list[str]) -> list[str]:
    return (["day"] if _multi_day(ctx) else []) + keys


@sheet("road_status", order=400)
def road_status_sheet(ctx: Context) -> Sheet | None:
    """道路管控: every arc closed, checkpointed or asked to be closed, with its reason."""
    arcs = ctx.instance.by_id("road_arcs")
    shown = [a for a in ctx.plan.roads.arcs if a.status != "open" or a.reason]
    if not ctx.plan.roads.arcs:
        return None
    nodes = ctx.instance.by_id("road_nodes")
    rows = []
    for a in sorted(shown, key=lambda a: (a.day, ctx.township_key(nodes[arcs[a.arc].tail].township),
                                          natural_key(a.arc))):
        arc = arcs[a.arc]
        remarks = [ctx.township_name(t) for t in a.requested_by] if a.requested_by else []
        rows.append({"day": ctx.date_text(a.day), "township": ctx.township_name(nodes[arc.tail].township),
                     "arc": a.arc, "road_section": arc.section, "direction": ctx.word("direction", arc.direction),
                     "arc_from": _node(ctx, arc.tail), "arc_to": _node(ctx, arc.head),
                     "road_class": ctx.word("road_class", arc.road_class),
                     "arc_status": ctx.word("arc_status", a.status), "arc_reason": ctx.word("arc_reason", a.reason),
                     "remarks": (L.column("requested_by", ctx.lang) + _colon(ctx) + join(remarks, ctx.lang)) if remarks
                     else ""})
    t = table(ctx, rows, _day_key(ctx, ["township", "arc", "road_section", "direction", "arc_from", "arc_to",
                                        "road_class", "arc_status", "arc_reason"]),
              count_column="arc", empty_text=L.frame_text("none", ctx.lang))
    notes = [L.note("road_rules", ctx.lang), L.note("closure_penalty", ctx.lang)]
    return Sheet("road_status", L.sheet_name("road_status", ctx.lang), ctx.title("road_status"), [t], notes)


@sheet("checkpoints", order=410)
def checkpoints_sheet(ctx: Context) -> Sheet | None:
    """卡口设置: one row per checkpoint per day, its crew per shift and the guards by shift."""
    if not ctx.plan.roads.arcs:
        return None
    rp = ctx.instance.policy.roads
    staff = ctx.instance.by_id("staff")
    shifts = checkpoint_shifts(ctx.instance)
    rows = []
    for c in sorted(ctx.plan.roads.checkpoints, key=lambda c: (c.day, ctx.township_key(c.township),
                                                              natural_key(c.arc))):
        by_shift = []
        for (start, end), crew in zip(shifts, c.staff):
            names = join((staff[p].name if p in staff else p for p in crew), ctx.lang)
            by_shift.append(f"{int(start):02d}:00-{int(end):02d}:00 {names}")
        rows.append({"day": ctx.date_text(c.day), "township": ctx.township_name(c.township),
                     "checkpoint_arc": c.arc, "road_section": c.section,
                     "direction": ctx.word("direction", c.direction),
                     "checkpoint_seal": ctx.township_name(c.seal) if c.seal else "",
                     "cp_shifts": c.shifts, "crew_per_shift": c.crew_per_shift,
                     "crew_total": sum(len(x) for x in c.staff),
                     "guards": ("；" if ctx.lang == "zh" else "; ").join(by_shift)})
    t = table(ctx, rows, _day_key(ctx, ["township", "checkpoint_arc", "road_section", "direction",
                                        "checkpoint_seal", "cp_shifts", "crew_per_shift", "crew_total", "guards"]),
              sums=["crew_total"], empty_text=L.frame_text("none", ctx.lang))
    notes = [L.note("checkpoint_crew", ctx.lang, shifts=rp.checkpoint_shifts, crew=rp.checkpoint_crew,
                    k=rp.seal_exit_checkpoints)]
    return Sheet("checkpoints", L.sheet_name("checkpoints", ctx.lang), ctx.title("checkpoints"), [t], notes)


@sheet("lifelines", order=420)
def lifelines_sheet(ctx: Context) -> Sheet | None:
    """保供通道: each lifeline's route, minutes against its budget, disjoint routes, critical arcs."""
    if not ctx.plan.roads.lifelines:
        return None
    passes = {(p.lifeline, p.day): p for p in ctx.plan.roads.passes}
    vehicles = ctx.instance.by_id("vehicles")
    rows = []
    for x in sorted(ctx.plan.roads.lifelines, key=lambda x: (x.day, ctx.township_key(x.township),
                                                            natural_key(x.lifeline))):
        arrow = "→"
        pair = f"{ctx.any_name(x.source)}{arrow}{ctx.township_name(x.township)}"
        p = passes.get((x.lifeline, x.day))
        remarks = [] if x.kept else [ctx.word("lifeline_state", False) + _colon(ctx) +
                                     join([*x.cut_by_arcs, *(ctx.township_name(t) for t in x.cut_by_seals)],
                                          ctx.lang)]
        if p and p.vehicles:
            remarks.append(L.column("pass_vehicles", ctx.lang) + _colon(ctx) +
                           join((vehicles[v].plate if v in vehicles else v for v in p.vehicles), ctx.lang))
        rows.append({"day": ctx.date_text(x.day), "township": ctx.township_name(x.township), "lifeline": x.lifeline,
                     "lifeline_pair": pair, "lifeline_status": ctx.word("lifeline_state", x.kept),
                     "route": arrow.join(x.nodes), "route_min": None if x.minutes is None else round(x.minutes, 1),
                     "budget_min": x.budget_min, "disjoint": x.disjoint_routes,
                     "critical_arcs": join(x.critical_arcs, ctx.lang),
                     "route_checkpoints": join(x.checkpoints, ctx.lang), "remarks": join(remarks, ctx.lang)})
    t = table(ctx, rows, _day_key(ctx, ["township", "lifeline", "lifeline_pair", "lifeline_status", "route",
                                        "route_min", "budget_min", "disjoint", "critical_arcs",
                                        "route_checkpoints"]), count_column="lifeline")
    return Sheet("lifelines", L.sheet_name("lifelines", ctx.lang), ctx.title("lifelines"), [t],
                 [L.note("lifelines", ctx.lang)])


@sheet("lifted_closures", order=430)
def lifted_closures_sheet(ctx: Context) -> Sheet | None:
    """解除封堵: requested closures lifted, with the township that asked and the lifeline at stake."""
    if not ctx.plan.roads.arcs:
        return None
    arcs = ctx.instance.by_id("road_arcs")
    lifelines = ctx.instance.by_id("lifelines")
    rows = []
    for x in sorted(ctx.plan.roads.lifted, key=lambda x: (x.day, natural_key(x.arc))):
        arc = arcs[x.arc]
        lf = lifelines.get(x.lifeline) if x.lifeline else None
        rows.append({"day": ctx.date_text(x.day), "arc": x.arc, "arc_from": _node(ctx, arc.tail),
                     "arc_to": _node(ctx, arc.head), "road_class": ctx.word("road_class", arc.road_class),
                     "requested_by": join((ctx.township_name(t) for t in x.requested_by), ctx.lang),
                     "cut_lifeline": (f"{x.lifeline} {ctx.any_name(lf.source)}→{ctx.township_name(lf.township)}"
                                      if lf else ""),
                     "lifted_to": ctx.word("lifted_to", x.status),
                     "remarks": L.remark("guarded_exit", ctx.lang) if x.guarded_exit else ""})
    # the 合计 label spans the first two columns: the count sits in the third
    t = table(ctx, rows, _day_key(ctx, ["requested_by", "arc", "arc_from", "arc_to", "road_class", "cut_lifeline",
                                        "lifted_to"]), count_column="arc", empty_text=L.frame_text("none", ctx.lang))
    return Sheet("lifted_closures", L.sheet_name("lifted_closures", ctx.lang), ctx.title("lifted_closures"), [t],
                 [L.note("lifted", ctx.lang)])


__all__ = ["checkpoints_sheet", "lifelines_sheet", "lifted_closures_sheet", "road_status_sheet"]
