"""流调 / Tracing sheet: a team for every case with its deadlines and lateness, the on-call rota
and the district IT support.

The sheet's words (headers, notes, objective terms, shortage phrases) are registered into
`exports.labels` here, next to the sheet that uses them, the way `@sheet` registers builders.
"""

from __future__ import annotations

import math

from exports import labels as L
from exports.frames import Context, Sheet, join, natural_key, shift_text, sheet, table
from models.plan_tracing import TeamMember

L.SHEETS["tracing"] = ("流调", "Tracing", "流调工作安排表", "Tracing teams")
L.COLUMNS.update({
    "case": ("病例编号", "Case"),
    "reported": ("报告时间", "Reported"),
    "contacts": ("预计密接（人）", "Contacts (people)"),
    "team_epidemiologist": ("疾控流调人员", "CDC epidemiologist"),
    "team_police": ("公安协查人员", "Police officer"),
    "team_it": ("大数据支撑", "IT support"),
    "start": ("开始时间", "Start"),
    "core_due": ("核心信息时限", "Core information due"),
    "core_at": ("核心信息完成", "Core information in"),
    "report_due": ("完整报告时限", "Full report due"),
    "end": ("流调完成", "Finished"),
    "core_late": ("核心信息超时（小时）", "Core information late (h)"),
    "report_late": ("完整报告超时（小时）", "Full report late (h)"),
    "district": ("区县", "District"),
    "cases_started": ("开始流调病例（例）", "Cases starting (cases)"),
})
L.NOTES.update({
    "tracing_rules": ("每例配疾控流调人员、公安协查人员各1名，由所在区县大数据支撑人员保障（三公联动）；"
                      "核心信息须在报告后{core}小时内、完整报告须在{full}小时内完成。",
                      "Each case has a CDC epidemiologist and a police officer, backed by the district's IT support; "
                      "core information is due {core} h after the report, the full report {full} h after."),
    "tracing_work": ("工作量：每例询问{interview}分钟，每名密接通知{notify}分钟；超时按小时向上取整计。",
                     "Workload: {interview} min of interview per case and {notify} min per contact; lateness is "
                     "counted in whole hours, rounded up."),
    "tracing_day": ("本表安排执行日0时至24时；当日未能安排的病例按次日0时开始计超时，并列入“{sheet}”表。",
                    "The plan covers 00:00-24:00 of the plan date; a case it cannot start is counted late as if "
                    "started at 24:00 and listed on the \"{sheet}\" sheet."),
    "on_call": ("快反小组24小时备勤：每班（{hours}小时）不少于{teams}组，每组疾控、公安各1名，"
                "备勤人员当日不承担其他流调任务。",
                "On call around the clock: at least {teams} team(s) per {hours}-h shift, each a CDC epidemiologist "
                "and a police officer with no case that day."),
    "it_support": ("大数据支撑按区县统筹，每人每班支撑不超过{n}例开始流调的病例。",
                   "IT support is shared per district: one supporter backs at most {n} cases starting in a shift."),
})
L.REMARKS.update({
    "not_traced": ("当日未能安排", "not traced today"),
    "lent_from": ("借调自{town}", "lent from {town}"),
    "on_call_short": ("缺{n}组", "{n} team(s) short"),
})
L.TERMS.update({
    "tracing.late_hours": ("流调超时", "Tracing lateness", "hours"),
    "tracing.on_call_gap": ("快反备勤缺口（加权）", "On-call gap (weighted team-hours)", ""),
    "tracing.late_minutes": ("流调超时（分钟）", "Tracing lateness (minutes)", "min"),
    "tracing.wait_minutes": ("病例等待流调（分钟）", "Cases waiting for a team (minutes)", "min"),
    "tracing.lending": ("跨乡镇借调流调人员费用", "Cost of lending investigators", "yuan"),
    "tracing.staff_hours": ("流调人员工时费用", "Cost of tracing staff-hours", "yuan"),
})
L.WORDS["unit"].setdefault("teams", ("组", "teams"))
L.PHRASES.extend([
    (r"case traced late", "流调超时", "case traced late"),
    (r"case not traced today", "当日未能安排流调", "case not traced today"),
    (r"on-call teams short (\d\d:\d\d-\d\d:\d\d)", "快反备勤小组不足（{0}）", "on-call teams short ({0})"),
    (r"reported before the plan's day: tracing starts at 00:00 at the earliest", "报告早于执行日，最早于0时开始流调",
     "reported before the plan's day: tracing starts at 00:00 at the earliest"),
    (r"case workload: ([\d.]+) h of interview and notifications", "流调工作量大（询问及通知需{0}小时）",
     "case workload: {0} h of interview and notifications"),
    (r"epidemiologists within commuting range of ([^;]*); police officers within commuting range of (.*)",
     "疾控流调人员、公安协查人员不足（通勤范围：{0}）",
     "epidemiologists and police officers within commuting range of {0}"),
    (r"epidemiologists within commuting range of (.*)", "疾控流调人员不足（通勤范围：{0}）",
     "epidemiologists within commuting range of {0}"),
    (r"police officers within commuting range of (.*)", "公安协查人员不足（通勤范围：{0}）",
     "police officers within commuting range of {0}"),
    (r"IT support on duty in district (.*)", "大数据支撑人员不足（{0}）", "IT support on duty in district {0}"),
    (r"investigators rested only from (\d\d:\d\d) within commuting range of (.*)",
     "可用流调人员须休息至{0}（通勤范围：{1}）", "investigators rested only from {0} within commuting range of {1}"),
    (r"solve time: free investigators remain; a longer solve may trace this case sooner",
     "求解时间不足：尚有空闲流调人员，延长求解时间可提前安排",
     "solve time: free investigators remain; a longer solve may trace this case sooner"),
    (r"epidemiologists and police officers free for the whole shift", "可整班备勤的疾控、公安人员不足",
     "epidemiologists and police officers free for the whole shift"),
])


def when(ctx: Context, hours: float | None) -> str:
    """A time of the plan: `18:00` on the plan date, else with its date (`11月27日18:00`)."""
    if hours is None:
        return ""
    day = math.floor(hours / 24)
    minutes = round((hours - 24 * day) * 60)
    text = f"{minutes // 60:02d}:{minutes % 60:02d}"
    if day == 0:
        return text
    d = ctx.instance.plan_date.fromordinal(ctx.instance.plan_date.toordinal() + day)
    return f"{d.month}月{d.day}日{text}" if ctx.lang == "zh" else f"{d:%m-%d} {text}"


def _people(ctx: Context, members: list[TeamMember], role: str) -> str:
    return join((m.name for m in members if m.role == role), ctx.lang)


def _case_rows(ctx: Context) -> list[dict]:
    section = ctx.plan.tracing
    order = sorted(section.assignments, key=lambda a: (ctx.township_key(a.township), a.start_hour is None,
                                                       a.start_hour or 0, natural_key(a.case)))
    rows = []
    for a in order:
        remarks = [] if a.traced else [L.remark("not_traced", ctx.lang)]
        remarks += [f"{m.name}{'：' if ctx.lang == 'zh' else ' '}"
                    f"{L.remark('lent_from', ctx.lang, town=ctx.township_name(m.home_township))}"
                    for m in a.members if m.lent and m.role != "it"]
        rows.append({
            "township": ctx.township_name(a.township), "case": a.case, "reported": when(ctx, a.report_hour),
            "contacts": a.contacts, "team_epidemiologist": _people(ctx, a.members, "epidemiologist"),
            "team_police": _people(ctx, a.members, "police"), "team_it": _people(ctx, a.members, "it"),
            "start": when(ctx, a.start_hour), "core_due": when(ctx, a.core_due_hour),
            "core_at": when(ctx, a.core_info_hour), "report_due": when(ctx, a.report_due_hour),
            "end": when(ctx, a.end_hour), "core_late": a.core_late_hours, "report_late": a.report_late_hours,
            "remarks": join(remarks, ctx.lang),
        })
    return rows


def _on_call_rows(ctx: Context) -> list[dict]:
    rows = []
    for s in ctx.plan.tracing.on_call:
        shift = shift_text(ctx, s.start_hour, s.end_hour)
        for team in s.teams:
            rows.append({"shift": shift, "township": ctx.township_name(team[0].home_township),
                         "team_epidemiologist": _people(ctx, team, "epidemiologist"),
                         "team_police": _people(ctx, team, "police")})
        if len(s.teams) < s.required:
            rows.append({"shift": shift, "township": "", "team_epidemiologist": "", "team_police": "",
                         "remarks": L.remark("on_call_short", ctx.lang, n=s.required - len(s.teams))})
    return rows


def _it_rows(ctx: Context) -> list[dict]:
    return [{"district": r.district, "shift": shift_text(ctx, r.start_hour, r.end_hour),
             "township": ctx.township_name(r.township), "team_it": join((m.name for m in r.members), ctx.lang),
             "cases_started": len(r.cases), "remarks": join(r.cases, ctx.lang)}
            for r in sorted(ctx.plan.tracing.it_support, key=lambda r: (natural_key(r.district), r.start_hour))]


@sheet("tracing", order=200)
def tracing_sheet(ctx: Context) -> Sheet | None:
    """流调: one row per case (team, start, deadlines, lateness), then the on-call rota and IT support."""
    section = ctx.plan.tracing
    if not section.assignments and not section.on_call:
        return None
    lang, tp = ctx.lang, ctx.instance.policy.tracing
    cases = table(ctx, _case_rows(ctx), ["township", "case", "reported", "contacts", "team_epidemiologist",
                                         "team_police", "team_it", "start", "core_due", "core_at", "report_due",
                                         "end", "core_late", "report_late"],
                  sums=["contacts", "core_late", "report_late"], empty_text=L.frame_text("none", lang))
    on_call = table(ctx, _on_call_rows(ctx), ["shift", "township", "team_epidemiologist", "team_police"],
                    caption=L.remark("post_on_call", lang), empty_text=L.frame_text("none", lang))
    tables = [cases, on_call]
    if section.it_support:
        tables.append(table(ctx, _it_rows(ctx), ["district", "shift", "township", "team_it", "cases_started"],
                            sums=["cases_started"], caption=ctx.col("team_it")))
    notes = [L.note("tracing_rules", lang, core=tp.core_info_hours, full=tp.full_report_hours),
             L.note("tracing_work", lang, interview=tp.interview_min_per_case, notify=tp.notify_min_per_contact),
             L.note("tracing_day", lang, sheet=L.sheet_name("shortages", lang)),
             L.note("on_call", lang, hours=tp.shift_hours, teams=tp.on_call_teams),
             L.note("it_support", lang, n=tp.it_cases_per_shift)]
    return Sheet("tracing", L.sheet_name("tracing", lang), ctx.title("tracing"), tables, notes)


__all__ = ["tracing_sheet", "when"]
