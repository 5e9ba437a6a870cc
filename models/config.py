"""Solver settings, separate from the instance and the plan."""

from pydantic import Field

from models.common import Strict


class SolveConfig(Strict):
    """How to solve: time, seed, parallelism."""

    time_limit_s: float = Field(default=60.0, gt=0, description="Wall-clock budget for the whole solve (s)")
    seed: int = Field(default=0, ge=0, description="Random seed of the search")
    workers: int = Field(default=2, ge=1, le=64, description="Search workers (1 = deterministic)")
    interleave: bool = Field(default=False, description="CP-SAT interleaved search: deterministic with several workers")
    relative_gap: float = Field(default=0.0, ge=0, le=1, description="Stop a tier when its gap is at most this")
    log_progress: bool = Field(default=False, description="Report incumbents and bounds while solving")
    plan_written_in_limit: bool = Field(
        default=True, description="Hold back time within the limit for writing the plan too (the CLI); False when "
                                  "the caller writes it after (a what-if sweep's runs): only reading it out is held back")

    @property
    def deterministic(self) -> bool:
        return self.workers == 1 or self.interleave
