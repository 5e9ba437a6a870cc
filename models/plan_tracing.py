"""Plan section of the tracing module (DOMAIN.md §2): a team per case, the on-call rota and
the district IT support.

Times are hours from 00:00 of day 0, like the instance's `report_hour`. A case the plan
cannot start on day 0 has no team and no start; its lateness is then counted as if its team
started at 24:00, the earliest it could (a lower bound, declared as a shortage).
"""

from typing import Literal

from pydantic import Field

from models.common import Count, Id, Strict

TracingRole = Literal["epidemiologist", "police", "it"]


class TeamMember(Strict):
    """One person of a tracing team, on-call team or IT shift."""

    staff: Id
    name: str
    role: TracingRole = Field(description="epidemiologist (CDC), police, or it (big-data support)")
    home_township: Id
    lent: bool = Field(default=False, description="Works outside the home township today (lent)")


class TracingAssignment(Strict):
    """The team that traces one case, and when."""

    case: Id
    township: Id
    district: Id
    report_hour: float = Field(description="Reported at (h from 00:00 of day 0)")
    contacts: Count = Field(description="Estimated contacts to notify (people)")
    members: list[TeamMember] = Field(default=[], description="Team; empty when not traced on day 0")
    start_hour: float | None = Field(default=None, description="Team starts the interview (h); None: not traced today")
    core_info_hour: float | None = Field(default=None, description="Core information in, after the interview (h)")
    end_hour: float | None = Field(default=None, description="Full report done, all contacts notified (h)")
    core_due_hour: float = Field(description="Core information due (h)")
    report_due_hour: float = Field(description="Full report due (h)")
    core_late_hours: Count = Field(default=0, description="Core information late, whole hours rounded up (h)")
    report_late_hours: Count = Field(default=0, description="Full report late, whole hours rounded up (h)")

    @property
    def lateness_hours(self) -> int:
        return self.core_late_hours + self.report_late_hours

    @property
    def traced(self) -> bool:
        return self.start_hour is not None


class OnCallShift(Strict):
    """Teams on call (快反小组 24 小时备勤) during one shift, free of any case."""

    start_hour: float
    end_hour: float
    required: Count = Field(description="Teams the policy requires on call (teams)")
    teams: list[list[TeamMember]] = Field(default=[], description="Each team: an epidemiologist and a police officer")


class ITSupportShift(Strict):
    """Big-data (IT) supporters on duty for a district's cases that start in one shift."""

    district: Id
    township: Id = Field(description="Township where the district's IT support works from")
    start_hour: float
    end_hour: float
    cases: list[Id] = Field(default=[], description="Cases of the district starting in this shift")
    members: list[TeamMember] = []


class TracingSection(Strict):
    assignments: list[TracingAssignment] = []
    on_call: list[OnCallShift] = []
    it_support: list[ITSupportShift] = []
