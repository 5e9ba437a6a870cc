"""瓶颈 / Bottlenecks sheet: the resources ranked by what one more unit buys in the critical tier,
each with its counterfactual, whether a re-solve verified it and how its value was found; then
every shortage line with the counterfactual of its resource. Present only in an explained plan
(`fangkong explain`, docs/explain.md).

The counterfactual is written here from the bottleneck's fields in the workbook's language (the
plan's `counterfactual` text is English, as the binding phrases are).
"""

from __future__ import annotations

from exports import labels as L
from exports.frames import Context, Sheet, natural_key, number, sheet, table
from models.plan_explain import Bottleneck, Companion

L.SHEETS["bottlenecks"] = ("瓶颈", "Bottlenecks", "资源瓶颈及增援建议表", "Bottlenecks and reliefs")
L.COLUMNS.update({
    "rank": ("排序", "Rank"),
    "resource": ("瓶颈资源", "Resource"),
    "place": ("地点", "Where"),
    "relief": ("建议增援", "Relief"),
    "marginal": ("每增一个单位减少缺口（分层目标单位）", "One more unit removes (tier units)"),
    "relief_value": ("建议增援共减少缺口（分层目标单位）", "The relief removes (tier units)"),
    "value_tier": ("分层", "Tier"),
    "method": ("测算方法", "Method"),
    "outcome": ("复算结果", "Re-solve"),
    "short_before": ("增援前缺口", "Short before"),
    "short_after": ("增援后缺口", "Short after"),
    "lines": ("涉及缺口（项）", "Shortage lines"),
    "counterfactual": ("增援效果", "Counterfactual"),
    "bottleneck_rank": ("对应瓶颈序号", "Bottleneck no."),
})
L.WORDS["resource_kind"] = {
    "rooms": ("隔离房间", "Isolation rooms"), "staff": ("工作人员", "Staff"), "lab_tubes": ("实验室检测能力", "Lab tubes"),
    "desks": ("采样台", "Sampling desks"), "vehicles": ("货车", "Trucks"), "stock": ("物资库存", "Stock"),
    "transfer_seats": ("转运车辆", "Transfer buses"),
}
L.WORDS["method"] = {
    "lp": ("线性规划松弛（增加1个单位）", "LP relaxation (+1 unit)"), "re_solve": ("增援复算（变化÷单位数）", "Re-solve (change ÷ units)"),
    "none": ("—", "—"),
}
L.WORDS["outcome"] = {
    "verified": ("已验证：消除", "Verified: cleared"), "cut": ("已验证：减少", "Verified: reduced"),
    "not_cleared": ("未能消除", "Not cleared"), "not_tried": ("未复算（时间不足）", "Not tried (no time left)"),
    "no_lines": ("无相关缺口", "No shortage line"),
}
L.NOTES.update({
    "bottleneck_rank": ("序号即排序：按每增加一个单位可减少的缺口（人·天、超时小时等，按分层目标的折算）从大到小，"
                        "紧急级在前、常规级在后、未测算的在最后；线性规划值为隔离模块线性松弛中增加1间房间减少的缺口，"
                        "复算值为增援后相关缺口减少量除以增援单位数。",
                        "The number is the rank: by the tier units (person-days, late hours … at the exchange rates of "
                        "the priority tiers) one more unit removes, largest first, critical before routine, unknown "
                        "last; an LP value is what one more room removes in the isolation module's linear "
                        "relaxation, a re-solve value the lines' shortage removed ÷ units added."),
    "bottleneck_check": ("复算：仅重排相关工作类别，其余工作按本方案不变（已派人员不参与）；"
                         "只有复算显示缺口消除或减少时才标为已验证。",
                         "Re-solve: only the lines' areas are planned again, everything else stays as planned (its "
                         "people are not available); a relief is marked verified only when the re-solve shows it."),
})
SKILL_ZH = {"sampler": "采样人员", "registrar": "扫码登记人员", "epidemiologist": "疾控流调人员", "police": "公安协查人员",
            "it": "大数据支撑人员", "doctor": "医生", "nurse": "护士", "checkpoint_guard": "卡口值守人员",
            "delivery": "配送人员", "driver": "驾驶员", "grid_worker": "网格员", "relief": "替岗人员"}


def relief_text(ctx: Context, b: Bottleneck) -> str:
    """The relief in the workbook's language, e.g. `城关宾馆增加隔离房间369间`, with what was added
    beside it (`，同时…`)."""
    parts = [_one_relief(ctx, b), *(_one_relief(ctx, c) for c in b.companions)]
    return ("，同时" if ctx.lang == "zh" else " with ").join(parts)


def _one_relief(ctx: Context, b: Bottleneck | Companion) -> str:
    place = ctx.township_name(b.target) if b.kind == "staff" else ctx.any_name(b.target)
    if ctx.lang == "en":
        return f"+{b.relief} {b.unit} ({b.skill}) at {place}" if b.skill else f"+{b.relief} {b.unit} at {place}"
    if b.kind == "staff":
        skills = "、".join(SKILL_ZH.get(s.strip(), s.strip()) for s in (b.skill or "").split(","))
        return f"{place}增加{skills}共{b.relief}名"
    what = {"rooms": "隔离房间{n}间", "lab_tubes": "日检测能力{n}管", "desks": "采样台{n}个", "vehicles": "货车{n}辆",
            "transfer_seats": "转运车{n}辆"}
    if b.kind == "stock":
        return f"{place}增加{ctx.any_name(b.skill or '')}库存{b.relief}{ctx.word('unit', b.unit)}"
    return f"{place}增加" + what[b.kind].format(n=b.relief)


def effect_text(ctx: Context, b: Bottleneck) -> str:
    """What the re-solve showed, in the workbook's language."""
    if ctx.lang == "en":
        return b.counterfactual
    unit = ctx.word("unit", b.shortage_unit)
    before, after = _g(b.shortage_before), _g(b.shortage_after)
    value = f"；每增加1个单位减少{ctx.word('tier', b.tier)}缺口{_g(b.marginal_value)}" if b.marginal_value else ""
    if b.outcome == "verified":
        return f"{relief_text(ctx, b)}，可消除相关缺口（复算验证：{before}→0{unit}）{value}"
    unproven = "；复算限时内未证明最优，延长复算可能更好" if "unproven" in b.counterfactual else ""
    if b.outcome == "cut":
        return f"{relief_text(ctx, b)}，可减少相关缺口（复算验证：{before}→{after}{unit}）{unproven}{value}"
    if b.outcome == "not_cleared":
        if b.shortage_before == 0:
            return f"{relief_text(ctx, b)}：基准复算中相关缺口已为0，无法验证{value}"
        return f"{relief_text(ctx, b)}仍不足以消除（复算：仍缺{after}{unit}，增援前{before}{unit}）{unproven}{value}"
    if b.outcome == "not_tried":
        return f"建议{relief_text(ctx, b)}（时间不足，未复算）{value}"
    return (f"每增加1个单位减少{ctx.word('tier', b.tier)}缺口{_g(b.marginal_value)}" if b.marginal_value
            else "增加该资源不能减少缺口")


def _g(x: float | None) -> str:
    return "—" if x is None else f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def top_table(ctx: Context, n: int):
    """The n resources whose next unit buys the most, with their relief and its re-solve: for the
    leader summary of the dispatch workbook."""
    ranked = sorted(ctx.plan.bottlenecks, key=lambda b: b.rank)[:n]
    rows = [{"rank": b.rank, "resource": ctx.word("resource_kind", b.kind),
             "place": ctx.township_name(b.target) if b.kind == "staff" else ctx.any_name(b.target),
             "marginal": number(b.marginal_value), "outcome": ctx.word("outcome", b.outcome),
             "counterfactual": effect_text(ctx, b)} for b in ranked]
    caption = f"四、主要资源瓶颈（前{n}项）" if ctx.lang == "zh" else f"D. Bottlenecks (top {n})"
    return table(ctx, rows, ["rank", "resource", "place", "marginal", "outcome", "counterfactual"], caption=caption)


@sheet("bottlenecks", order=910)
def bottlenecks_sheet(ctx: Context) -> Sheet | None:
    """瓶颈: ranked resources, then the shortage lines with their counterfactuals."""
    plan = ctx.plan
    if not plan.bottlenecks:
        return None
    rows = [{
        "resource": ctx.word("resource_kind", b.kind), "value_tier": ctx.word("tier", b.tier),
        "place": ctx.township_name(b.target) if b.kind == "staff" else ctx.any_name(b.target),
        "relief": relief_text(ctx, b) if b.relief else "",
        "marginal": number(b.marginal_value), "method": ctx.word("method", b.method),
        "outcome": ctx.word("outcome", b.outcome), "relief_value": number(b.relief_value),
        "short_before": number(b.shortage_before), "short_after": number(b.shortage_after),
        "unit": ctx.word("unit", b.shortage_unit), "lines": len(b.lines), "counterfactual": effect_text(ctx, b),
        "remarks": "",
    } for b in sorted(plan.bottlenecks, key=lambda b: b.rank)]
    ranked = table(ctx, rows, ["resource", "place", "relief", "value_tier", "marginal", "method", "outcome",
                               "relief_value", "short_before", "short_after", "unit", "lines", "counterfactual"],
                   count_column="place")  # 序号 is the rank: the rows come in rank order
    rank_of = {i: b for b in plan.bottlenecks for i in b.lines}
    none = "无：受规则或基础数据约束，增加资源不能消除" if ctx.lang == "zh" else None
    tier_order = {"critical": 0, "routine": 1}
    order = sorted(range(len(plan.shortages)), key=lambda i: (
        tier_order[plan.shortages[i].tier], rank_of[i].rank if i in rank_of else 10**6,
        ctx.township_key(plan.shortages[i].township), natural_key(plan.shortages[i].entity or "")))
    lines = []
    for i in order:
        s = plan.shortages[i]
        b = rank_of.get(i)
        lines.append({
            "module": ctx.word("module", s.module), "tier": ctx.word("tier", s.tier),
            "what": L.phrase(s.what, ctx.lang, ctx.any_name), "township": ctx.township_name(s.township),
            "quantity": number(s.quantity), "unit": ctx.word("unit", s.unit),
            "bottleneck_rank": b.rank if b else None,
            "counterfactual": effect_text(ctx, b) if b else (none or s.counterfactual or ""),
            "remarks": s.entity or "",
        })
    per_line = table(ctx, lines, ["module", "tier", "what", "township", "quantity", "unit", "bottleneck_rank",
                                  "counterfactual"], count_column="what")
    per_line.caption = ("二、各缺口的增援效果" if ctx.lang == "zh" else "Part B. Each shortage line and its counterfactual")
    notes = [L.note("bottleneck_rank", ctx.lang), L.note("bottleneck_check", ctx.lang)]
    return Sheet("bottlenecks", L.sheet_name("bottlenecks", ctx.lang), ctx.title("bottlenecks"),
                 [ranked, per_line], notes)
