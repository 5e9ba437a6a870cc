"""What the explanation of a plan adds (`fangkong explain`, docs/explain.md): the bottlenecks,
each a resource with the smallest relief proposed for its shortage lines, whether a re-solve
with that relief confirmed it, and what one more unit of it buys in the critical tier."""

from typing import Literal

from pydantic import Field

from models.common import Id, Strict

ResourceKind = Literal["rooms", "staff", "lab_tubes", "desks", "vehicles", "stock", "transfer_seats"]
Outcome = Literal["verified", "cut", "not_cleared", "not_tried", "no_lines"]
Method = Literal["lp", "re_solve", "none"]


class Companion(Strict):
    """A second resource added with a bottleneck's relief, because the re-solve of the relief alone
    found it binding for the same lines (rooms need day-0 site staff, for instance)."""

    kind: ResourceKind = Field(description="What is added: rooms, staff, lab tubes, desks, vehicles, stock or buses")
    target: Id = Field(description="Site, lab, source or township it is added at")
    skill: str | None = Field(default=None, description="Staff: the skills added; stock: the commodity")
    unit: str = Field(description="Unit of `relief`")
    relief: int = Field(ge=0, description="Units added")


class Bottleneck(Strict):
    """A resource ranked by what one more unit of it buys in the critical tier."""

    rank: int = Field(ge=1, description="1 = the resource whose next unit buys the most")
    kind: ResourceKind = Field(description="Rooms, staff, lab tubes, desks, vehicles, stock or transfer buses")
    resource: str = Field(description="The resource in the planner's words, e.g. `rooms at ISO005`")
    target: Id = Field(description="Site, lab, source or township the relief goes to")
    skill: str | None = Field(default=None, description="Staff: the skill added; stock: the commodity")
    unit: str = Field(description="Unit of the relief: rooms, people, tubes, desks, vehicles or the goods' unit")
    relief: int = Field(ge=0, description="Units the counterfactual adds (0: none proposed)")
    counterfactual: str = Field(description="The relief and what it buys, in the planner's words")
    companions: list[Companion] = Field(
        default=[], description="Added with the relief in the re-solve that `outcome` reports (empty: the relief alone)")
    outcome: Outcome = Field(description="verified: the re-solve clears the lines; cut: it reduces them; "
                                         "not_cleared: it does not; not_tried: no time was left for the re-solve; "
                                         "no_lines: a marginal value only, no shortage line names it")
    shortage_before: float | None = Field(default=None, description="Shortage of the lines addressed, baseline re-solve")
    shortage_after: float | None = Field(default=None, description="The same with the relief")
    shortage_unit: str = Field(default="", description="Unit of the two shortages (people, hours …)")
    critical_before: float | None = Field(
        default=None, description="Critical terms of the lines' modules in the baseline re-solve")
    critical_after: float | None = Field(default=None, description="The same in the re-solve with the relief")
    tier: Literal["critical", "routine"] = Field(
        default="critical", description="Tier whose units `marginal_value` is in: critical when any line it "
                                        "addresses is critical")
    marginal_value: float | None = Field(
        default=None, description="Units of `tier` (docs/architecture.md exchange rates: person-days, late "
                                  "hours …) one more unit removes; None: unknown")
    relief_value: float | None = Field(
        default=None, description="Units of `tier` the whole relief (with its companions) removed from the lines "
                                  "it addresses, in its re-solve against the baseline; None: not re-solved")
    method: Method = Field(description="How the marginal value was found: lp, the isolation LP relaxation "
                                       "solved with one more unit; re_solve, the addressed lines' shortage in tier "
                                       "units removed by the relief's re-solve ÷ units added")
    lines: list[int] = Field(default=[], description="Indexes into `shortages` of the lines it addresses")
