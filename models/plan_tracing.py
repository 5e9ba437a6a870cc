"""Plan section of the tracing module (DOMAIN.md §2)."""

from pydantic import Field  # noqa: F401  (fields are described as the section grows)

from models.common import Count, Id, IsolationCategory, Strict  # noqa: F401


class TracingAssignment(Strict):
    case: Id
    township: Id
    members: list[Id] = []
    start_hour: float = 0
    core_due_hour: float = 0
    report_due_hour: float = 0
    end_hour: float = 0
    lateness_hours: float = 0


class TracingSection(Strict):
    assignments: list[TracingAssignment] = []
