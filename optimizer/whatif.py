"""What-if sweeps (issue #9): the base instance and every scenario solved in parallel.

Each run is one ordinary `optimizer.solve(instance, SolveConfig(...))`, so a scenario's plan
is exactly the plan `fangkong solve` would make of the patched instance with that budget.
Backends:

- `local`: a `ProcessPoolExecutor` with the spawn start method (CP-SAT and fork do not mix:
  a forked child inherits the parent's solver threads' locks), `jobs` processes, each solve
  with `max(1, cores // jobs)` CP-SAT workers, so the machine is never oversubscribed;
- `dask`: `dask.distributed.Client(address)` on an existing scheduler (the `cluster` extra);
- `ray`: `ray.init(address)` on an existing cluster (the `cluster` extra).

On a cluster every solve gets one CP-SAT worker: a province's sweep has more scenarios than
a node has cores, and one worker per scenario gives the most plans per hour.

The budget: `time_limit_s` bounds the whole sweep. Runs go in waves of `jobs`; each run's
own limit is what is left after start-up, divided by the number of waves, so that the last
wave still ends in time (a run's limit counts its reading, solving, routing and read-out,
as `solve` does). A run never gets less than `MIN_RUN_S`: a budget too small for the runs
is overrun, with a warning, rather than spent on runs that end without a plan.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context

from models.config import SolveConfig
from models.instance import Instance

log = logging.getLogger(__name__)
BACKENDS = ("local", "dask", "ray")
STARTUP_S = 5.0  # a spawned process imports OR-Tools, pandas and pydantic before its first solve (measured ~3 s);
# 4.0 until 29 Nov 16:25, when the demo sweep overran its budget by 0.2 s twice on a slow hour of the box
OUTPUT_SHARE = 0.08  # of the budget, for writing the comparison workbook and the plans
MIN_RUN_S = 10.0  # below this a demo-county run may end without any plan: building the model and the modules'
# warm starts take ~4 s on a quiet machine (8-15 s at loads 1-7), routing and read-out ~2 s, and the first tier
# needs ~1 s of presolve before it hands back even the hinted plan; a run without a plan compares nothing


@dataclass
class Run:
    """One column of the comparison: a name and the (patched) instance it solves."""

    name: str
    instance: Instance


@dataclass
class RunResult:
    name: str
    result: object | None  # optimizer.SolveResult; None when the run failed
    error: str | None = None

    @property
    def plan(self):
        return None if self.result is None else self.result.plan

    @property
    def status(self) -> str:
        return "ERROR" if self.result is None else self.result.status


def run_limit(budget_s: float, runs: int, jobs: int, floor: float = MIN_RUN_S) -> float:
    """Each run's time limit so that `runs` runs in waves of `jobs` fit the sweep's budget, but
    never below `floor` (the sweep then overruns its budget, and the CLI says so first)."""
    waves = math.ceil(runs / max(1, jobs))
    usable = budget_s * (1 - OUTPUT_SHARE) - STARTUP_S
    return max(floor, usable / waves)


def solve_run(run: Run, config: SolveConfig) -> RunResult:
    """One run, in whatever process or cluster worker it lands on."""
    from optimizer import solve

    started = time.perf_counter()
    try:
        return RunResult(run.name, solve(run.instance, config, started=started))
    except Exception as e:  # a failed run is a column that says so, not a lost sweep
        log.exception("run %s failed", run.name)
        return RunResult(run.name, None, f"{type(e).__name__}: {e}")


def sweep(runs: list[Run], config: SolveConfig, *, jobs: int | None = None, backend: str = "local",
          scheduler: str | None = None, progress: Callable[[RunResult], None] | None = None,
          pool: ProcessPoolExecutor | None = None) -> list[RunResult]:
    """Solve every run with `config` (its time limit is each run's), in parallel; results in
    the order of `runs`. `pool` (local backend): processes kept from an earlier sweep, so a
    caller that sweeps several times (the reserve) starts them once."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    done: dict[str, RunResult] = {}

    def finished(r: RunResult) -> None:
        done[r.name] = r
        if progress:
            progress(r)

    if backend == "local":
        _local(runs, config, jobs or local_jobs(len(runs)), finished, pool)
    elif backend == "dask":
        _dask(runs, config.model_copy(update={"workers": 1}), scheduler, finished)
    else:
        _ray(runs, config.model_copy(update={"workers": 1}), scheduler, finished)
    return [done[r.name] for r in runs]


def local_jobs(runs: int, requested: int | None = None) -> int:
    return max(1, min(runs, requested or os.cpu_count() or 1))


def solver_workers(jobs: int) -> int:
    """CP-SAT workers per solve when `jobs` solves share this machine's cores."""
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def process_pool(jobs: int) -> ProcessPoolExecutor:
    """`jobs` spawned processes (a forked child would inherit OR-Tools' thread state)."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"))


def _local(runs: list[Run], config: SolveConfig, jobs: int, finished, pool: ProcessPoolExecutor | None) -> None:
    if jobs == 1 and pool is None:  # no process to spawn: the sweep is the plain sequence of solves
        for run in runs:
            finished(solve_run(run, config))
        return
    own = pool is None
    pool = pool or process_pool(jobs)
    try:
        futures = [pool.submit(solve_run, run, config) for run in runs]
        for f in as_completed(futures):
            finished(f.result())
    finally:
        if own:
            pool.shutdown()


def _dask(runs: list[Run], config: SolveConfig, scheduler: str | None, finished) -> None:
    try:
        from dask.distributed import Client, as_completed as dask_completed
    except ImportError:
        raise RuntimeError("--backend dask needs the cluster extra: pip install 'fangkong[cluster]'") from None
    if not scheduler:
        raise RuntimeError("--backend dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    with Client(scheduler) as client:
        # pure=False: two runs of equal content are still two tasks, and nothing is cached
        futures = [client.submit(solve_run, run, config, pure=False, key=f"fangkong-whatif-{k}-{run.name}")
                   for k, run in enumerate(runs)]
        for f in dask_completed(futures):
            finished(f.result())


def _ray(runs: list[Run], config: SolveConfig, scheduler: str | None, finished) -> None:
    try:
        import ray
    except ImportError:
        raise RuntimeError("--backend ray needs the cluster extra: pip install 'fangkong[cluster]'") from None
    _ray_init(ray, scheduler)
    remote = ray.remote(num_cpus=1)(solve_run)
    pending = [remote.remote(run, config) for run in runs]
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        finished(ray.get(ready[0]))


def cluster_slots(backend: str, scheduler: str | None) -> int:
    """Solves a cluster runs at once (its worker threads or CPUs), for the per-run time limit."""
    if backend == "dask":
        from dask.distributed import Client

        with Client(scheduler) as client:
            return max(1, sum(w["nthreads"] for w in client.scheduler_info()["workers"].values()))
    if backend == "ray":
        import ray

        _ray_init(ray, scheduler)
        return max(1, int(ray.cluster_resources().get("CPU", 1)))
    return os.cpu_count() or 1


def _ray_init(ray, scheduler: str | None) -> None:
    """Connect to the cluster, shipping this process's own packages (`py_modules`): the
    workers then run the driver's version of fangkong, installed there or not."""
    import exports
    import models
    import optimizer

    ray.init(address=scheduler or "auto", ignore_reinit_error=True, log_to_driver=False,
             runtime_env={"py_modules": [models, optimizer, exports]})
