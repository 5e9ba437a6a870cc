"""The `fangkong` command: thin click commands over the library.

Exit codes: 0 a plan (or a valid file), 1 no plan or a failed check, 2 bad input. Data goes to
stdout or files; progress and diagnostics go to stderr.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import click

from models.io import InputError, load_instance, load_plan, save

EXIT_OK, EXIT_NO_PLAN, EXIT_BAD_INPUT = 0, 1, 2


def _fail_input(problems: list[str]) -> None:
    for p in problems:
        click.echo(p, err=True)
    sys.exit(EXIT_BAD_INPUT)


@contextmanager
def _writing(output: str):
    """A writer's bad input, or the file system refusing the output, as `path: message` lines and
    exit 2 (never a traceback)."""
    try:
        yield
    except InputError as e:
        _fail_input(e.problems)
    except OSError as e:
        _fail_input([f"{output}: cannot write: {e.strerror}"])


def _load(path: str):
    return _read(load_instance, path)


def _load_plan(path: str):
    return _read(load_plan, path)


def _read(reader, path: str):
    """Read an input file, or exit 2 with its problems as `path: message` lines."""
    try:
        return reader(Path(path))
    except InputError as e:
        _fail_input([p if p.startswith(str(path)) else f"{path}: {p}" for p in e.problems])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log details to stderr.")
def main(verbose: bool) -> None:
    """fangkong (防控): tomorrow's epidemic-control dispatch plan from one staff pool and one road network."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(message)s")


@main.command()
@click.option("--plan", "of_plan", is_flag=True, help="Print the Plan schema instead of the Instance schema.")
def schema(of_plan: bool) -> None:
    """Print the JSON Schema of an instance (or, with --plan, of a plan)."""
    from models import Instance, Plan

    click.echo(json.dumps((Plan if of_plan else Instance).model_json_schema(), ensure_ascii=False, indent=1))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Check an instance file: exit 0 with a summary, or 2 with one `path: message` line per problem."""
    from optimizer.precheck import summary, warnings

    inst = _load(file)
    click.echo(f"{inst.name}  ({inst.plan_date}, {inst.issuing_office})")
    for label, value in summary(inst):
        click.echo(f"  {label:<26} {value}")
    warns = warnings(inst)
    if warns:
        click.echo(f"warnings ({len(warns)}):")
        for w in warns[:20]:
            click.echo(f"  {w}")
        if len(warns) > 20:
            click.echo(f"  ... and {len(warns) - 20} more")
    click.echo("valid")


@main.command()
@click.option("--network", type=click.Choice(["sioux-falls", "anaheim", "chicago", "synthetic"]),
              default="sioux-falls", show_default=True, help="Road network to lay the instance on.")
@click.option("--townships", type=click.IntRange(min=2), default=None, help="Number of townships (default: the network's zones).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def generate(network: str, townships: int | None, seed: int, output: str) -> None:
    """Generate a realistic seeded instance; the same arguments give the same bytes."""
    from generator import generate_instance

    try:
        inst = generate_instance(network, townships, seed)
    except ValueError as e:
        _fail_input([f"{network}: {e}"])
    save(inst, Path(output))
    click.echo(f"wrote {output}: {len(inst.townships)} townships, {sum(t.population for t in inst.townships):,} people",
               err=True)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Search workers; 1 gives a deterministic run.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Plan JSON to write.")
@click.option("--xlsx", type=click.Path(dir_okay=False), help="Also write the dispatch workbook.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Workbook language.")
@click.option("--report", "report_html", type=click.Path(dir_okay=False), help="Also write the offline HTML report (in --lang).")
@click.option("--baseline", type=click.Path(dir_okay=False),
              help="Published plan (JSON) to change as little as possible (stability tier; docs/continuity.md).")
@click.option("--max-changes", type=click.IntRange(min=0), default=None,
              help="With --baseline: at most this many changed decisions (a hard limit).")
@click.option("--stability", type=click.Choice(["last", "after-critical"]), default="last", show_default=True,
              help="With --baseline: the fewest changes as the lowest priority (last), or right after critical "
                   "shortages, before routine shortages and cost (after-critical).")
@click.option("--pin", "pin_file", type=click.Path(dir_okay=False),
              help="Workbook whose rows marked in the 固定/pinned column are kept as they are.")
@click.option("--explain", "explain_plan", is_flag=True,
              help="Then explain the plan (as `fangkong explain`) in another --time-limit seconds.")
def solve(file: str, time_limit: float, seed: int, workers: int, output: str, xlsx: str | None, lang: str,
          report_html: str | None, baseline: str | None = None, max_changes: int | None = None,
          pin_file: str | None = None, explain_plan: bool = False, stability: str = "last") -> None:
    """Solve an instance into tomorrow's plan: exit 0 plan, 1 no plan, 2 bad input."""
    from models import SolveConfig
    from optimizer import solve as run

    started = time.perf_counter()  # --time-limit bounds the whole job, reading the instance included
    inst = _load(file)
    base, pins = _continuity_inputs(inst, baseline, max_changes, pin_file, stability)
    logging.getLogger("optimizer").setLevel(logging.INFO)
    try:
        result = run(inst, SolveConfig(time_limit_s=time_limit, seed=seed, workers=workers, log_progress=True),
                     started=started, baseline=base, max_changes=max_changes, pins=pins, stability=stability)
    except InputError as e:  # a pin this instance cannot express
        _fail_input(e.problems)
    click.echo(result.summary(), err=True)
    if result.plan is None:
        click.echo(f"no plan: {result.status}", err=True)
        for line in result.diagnosis:  # the pins that conflict, or a change budget too small
            click.echo(line, err=True)
        if result.status == "INFEASIBLE" and max_changes is None:
            # proven, never a time-out: which hard rules (and pinned rows) conflict, with their data
            from optimizer.diagnose import diagnose

            for line in diagnose(inst, result.config, pins=pins).lines():
                click.echo(line, err=True)
        sys.exit(EXIT_NO_PLAN)
    try:
        save(result.plan, Path(output), protect=(Path(file),))
        if xlsx:
            from exports import write_workbook

            if Path(xlsx).resolve() == Path(file).resolve():
                raise InputError([f"{xlsx}: refusing to overwrite the input file"])
            write_workbook(inst, result.plan, Path(xlsx), lang=lang)
        if report_html:
            from report import write_report

            write_report(Path(report_html), [(inst.name, inst, result.plan)], lang=lang,
                         protect=(Path(file), Path(output)))
    except InputError as e:
        _fail_input(e.problems)
    if base is not None:
        counted = [c for c in result.plan.changes if c.stakeholder != "vehicle" and c.reason != "routes_cut"]
        click.echo(f"changes from the baseline: {len(counted)} decisions"
                   + "".join(f"; {k} {n}" for k, n in sorted(Counter(c.module for c in counted).items())), err=True)
    if explain_plan:  # an extra --time-limit seconds; the plan and workbook are written again, explained
        _explain_and_write(inst, result.plan, file, output, xlsx, lang, time_limit, seed, time.perf_counter())
    _print_plan_summary(result.plan)


def _continuity_inputs(inst, baseline: str | None, max_changes: int | None, pin_file: str | None,
                       stability: str = "last"):
    """The baseline plan and the pinned rows, or exit 2 naming what is wrong with them."""
    base = pins = None
    if max_changes is not None and baseline is None:
        _fail_input(["--max-changes: needs --baseline (the plan the changes are counted from)"])
    if stability != "last" and baseline is None:
        _fail_input([f"--stability {stability}: needs --baseline (the plan the changes are counted from)"])
    if baseline is not None:
        from optimizer.continuity import baseline_problems

        base = _load_plan(baseline)
        problems = baseline_problems(inst, base)
        if problems:
            _fail_input([f"{baseline}: {p}" for p in problems])
    if pin_file is not None:
        from exports.pins import read_pins
        from optimizer.pins import pin_problems

        pins = _read(read_pins, pin_file)
        problems = pin_problems(inst, pins)
        if problems:
            _fail_input(problems)
        if not pins:
            click.echo(f"{pin_file}: no row is pinned", err=True)
    return base, pins


def _print_plan_summary(plan) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{plan.instance}  {plan.plan_date}", show_header=True)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for k, v in plan.kpis.items():
        table.add_row(k, f"{v:,.2f}".rstrip("0").rstrip("."))
    table.add_row("status / gap", f"{plan.meta.status} / "
                  + ("-" if plan.meta.gap is None else f"{100 * plan.meta.gap:.2f}%"))
    Console(stderr=True).print(table)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False))
def verify(file: str, plan_file: str) -> None:
    """Check a plan against every rule, without a solver: exit 0, or 1 with one line per violation."""
    from optimizer.validate import verify as check

    inst = _load(file)
    plan = _load_plan(plan_file)
    violations = check(inst, plan)
    for v in violations:
        click.echo(str(v))
    if violations:
        click.echo(f"{len(violations)} violations", err=True)
        sys.exit(EXIT_NO_PLAN)
    click.echo(f"plan verified: every rule holds ({len(plan.roster)} roster rows, {len(plan.shortages)} shortage lines)")


@main.command()
@click.argument("file", metavar="INSTANCE", type=click.Path(dir_okay=False))
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Report language.")
def report(file: str, plan_file: str, output: str, lang: str) -> None:
    """Write the offline HTML report of a plan (map, charts, KPIs): exit 0, or 2 on bad input."""
    from report import plan_problems, write_report

    inst = _load(file)
    plan = _load_plan(plan_file)
    errors, warns = plan_problems(inst, plan)
    if errors:
        _fail_input([f"{plan_file}: {p}" for p in errors])
    for w in warns:
        click.echo(f"{plan_file}: warning: {w}", err=True)
    with _writing(output):
        write_report(Path(output), [(inst.name, inst, plan)], lang=lang, protect=(Path(file), Path(plan_file)))
    click.echo(f"wrote {output}", err=True)


@main.command()
@click.argument("file", metavar="INSTANCE", type=click.Path(dir_okay=False))
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Dispatch workbook (.xlsx) to write.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Workbook language.")
def dispatch(file: str, plan_file: str, output: str, lang: str) -> None:
    """Write the dispatch workbook to send down: a leader summary, a sheet per township, isolation site and vehicle."""
    from exports.dispatch import write_dispatch

    inst = _load(file)
    plan = _load_plan(plan_file)
    if plan.instance != inst.name or plan.plan_date != inst.plan_date.isoformat():
        _fail_input([f"{plan_file}: plan of {plan.instance} ({plan.plan_date}), not of {inst.name} ({inst.plan_date})"])
    with _writing(output):
        write_dispatch(inst, plan, Path(output), lang=lang, protect=(Path(file), Path(plan_file)))
    click.echo(f"wrote {output}", err=True)


@main.command()
@click.argument("output", metavar="OUT.xlsx", type=click.Path(dir_okay=False))
@click.option("--from", "from_file", type=click.Path(dir_okay=False), help="Instance JSON to fill the workbook from.")
def template(output: str, from_file: str | None) -> None:
    """Write the input workbook (a sheet per entity), empty with example rows or filled from an instance."""
    from exports.input_workbook import write_template

    inst = _load(from_file) if from_file else None
    with _writing(output):
        write_template(Path(output), inst, protect=(Path(from_file),) if from_file else ())
    click.echo(f"wrote {output}", err=True)


@main.command("import")
@click.argument("file", metavar="IN.xlsx", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Instance JSON to write.")
def import_(file: str, output: str) -> None:
    """Read an input workbook into a validated instance: exit 0, or 2 with one `sheet!B12: message` line per problem."""
    from exports.input_import import read_workbook

    with _writing(output):  # read errors are `sheet!B12: message`, or `IN.xlsx: message` for the file itself
        inst = read_workbook(Path(file))
        save(inst, Path(output), protect=(Path(file),))
    click.echo(f"wrote {output}: {len(inst.townships)} townships", err=True)


@main.command()
@click.argument("family", type=click.Choice(["cflp", "sscflp", "pmedian", "gap", "cvrp"]))
@click.option("--sense", type=click.Choice(["min", "max"]), default=None,
              help="gap only: OR-Library's max problems or the usual min (default).")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--optima", type=click.Path(exists=True, dir_okay=False), help="optima.csv (default: beside the files).")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds per instance.")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False), help="Write the results as CSV.")
def bench(family: str, sense: str | None, files: tuple[str, ...], optima: str | None, time_limit: float,
          workers: int, seed: int, csv_out: str | None) -> None:
    """Run public benchmark instances through the product's own model and compare with published optima."""
    from optimizer.bench.runner import matches_reference, run_bench, write_bench_csv

    def progress(row) -> None:
        click.echo(f"{row.instance:<12} {row.status:<9} {row.objective}  ref {row.reference}  "
                   f"gap {row.gap_to_reference}  {row.seconds:.2f} s", err=True)

    if sense is not None and family != "gap":
        _fail_input([f"--sense: only the gap family is published in both senses, not {family}"])
    rows = run_bench(family, [Path(f) for f in files], optima=Path(optima) if optima else None,
                     time_limit=time_limit, workers=workers, seed=seed, progress=progress, sense=sense)
    if csv_out:
        write_bench_csv(rows, Path(csv_out))
    total = sum(r.seconds for r in rows)
    exact = sum(1 for r in rows if matches_reference(r))
    click.echo(f"{family}: {len(rows)} instances, {exact} at the reference value, {total:.1f} s in total")


# ---------------------------------------------------------------- what-if sweeps and reserves (issue #9)

def _scenario_runs(base_file: str, scenario_args: tuple[str, ...], lang: str):
    """The base and every scenario as (name, description, instance); exit 2 with every problem."""
    from exports.labels import compare
    from models.scenario import load_scenario
    from models.scenario_apply import apply_scenario

    base = _load(base_file)
    columns, problems, names = [(compare("base", lang), "", base)], [], {compare("base", lang), "base"}
    for arg in scenario_args:
        try:
            scenario = load_scenario(arg)
            if scenario.name in names:
                raise InputError([f"{arg}: scenario name '{scenario.name}' is used twice"])
            names.add(scenario.name)
            columns.append((scenario.name, scenario.description, apply_scenario(base, scenario)))
        except InputError as e:
            problems += [p if p.startswith(arg) else f"{arg}: {p}" for p in e.problems]
    if problems:
        _fail_input(problems)
    return base, columns


def _base_plan(inst, path: str):
    """A plan the what-if comparison may show as its base column, or exit 2: it must be of this
    very instance (an older plan would compare tonight's scenarios with yesterday's data) and
    keep every rule."""
    from models.io import instance_hash
    from optimizer.validate import verify as check

    plan = _load_plan(path)
    if plan.meta.instance_hash != instance_hash(inst):
        _fail_input([f"{path}: not a plan of this instance (solved for instance hash {plan.meta.instance_hash}, "
                     f"BASE has {instance_hash(inst)}); solve BASE again or leave --base-plan out"])
    violations = check(inst, plan)
    if violations:
        _fail_input([f"{path}: breaks {len(violations)} rules of BASE, e.g. {violations[0]} (fangkong verify)"])
    return plan


def _sweep_options(fn):
    from optimizer.whatif import BACKENDS

    for option in reversed([
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Scenarios solved at once (local backend; default: the machine's cores)."),
        click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True),
        click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True),
        click.option("--backend", type=click.Choice(BACKENDS), default="local", show_default=True,
                     help="local: a process pool here; dask or ray: an existing cluster (the cluster extra)."),
        click.option("--scheduler", default=None, help="Cluster address (dask: tcp://host:8786; ray: host:6379)."),
    ]):
        fn = option(fn)
    return fn


def _progress(prefix: str = ""):
    def show(r) -> None:
        res = r.result
        gap = "-" if res is None or res.gap is None else f"{100 * res.gap:.2f}%"
        crit = "-" if r.plan is None else sum(1 for s in r.plan.shortages if s.tier == "critical")
        wall = "-" if res is None else f"{res.wall_seconds:.1f} s"
        click.echo(f"{prefix}{r.name:<24} {r.status:<9} gap {gap:<8} critical lines {crit:<5} {wall}"
                   + (f"  {r.error}" if r.error else ""), err=True)
    return show


def _jobs_and_workers(backend: str, scheduler: str | None, workers: int | None, runs: int) -> tuple[int, int]:
    from optimizer.whatif import cluster_slots, local_jobs, solver_workers

    if backend == "local":
        jobs = local_jobs(runs, workers)
        return jobs, solver_workers(jobs)
    if backend == "dask" and not scheduler:  # dask's Client() without one would start a cluster here
        _fail_input(["--scheduler: --backend dask runs on an existing scheduler; give its address (tcp://host:8786)"])
    try:
        return min(runs, cluster_slots(backend, scheduler)), 1
    except ImportError:
        _fail_input([f"--backend {backend}: needs the cluster extra: pip install 'fangkong[cluster]'"])
    except Exception as e:  # an unreachable scheduler is bad input, not a crash
        _fail_input([f"--scheduler {scheduler}: cannot reach the {backend} cluster: {e}"])


def _sidecar(output: Path, name: str, kind: str) -> Path:
    import re

    safe = re.sub(r"[^\w.-]+", "_", name)
    return output.with_name(f"{output.stem}.{safe}.{kind}.json")


@main.command()
@click.argument("base", metavar="BASE", type=click.Path(dir_okay=False))
@click.argument("scenarios", metavar="SCENARIO...", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Comparison workbook (.xlsx).")
@click.option("--time-limit", type=click.FloatRange(min=1), default=120.0, show_default=True,
              help="Seconds for the whole sweep; each run gets its share (runs in waves of --workers).")
@click.option("--report", "report_html", type=click.Path(dir_okay=False),
              help="Also write the HTML report with the scenarios side by side.")
@click.option("--base-plan", type=click.Path(dir_okay=False),
              help="The plan already made of BASE (fangkong solve -o): the base column reads it instead of "
                   "solving BASE again. It must be a plan of this very instance and pass verify.")
@_sweep_options
def whatif(base: str, scenarios: tuple[str, ...], output: str, time_limit: float, report_html: str | None,
           base_plan: str | None, workers: int | None, seed: int, lang: str, backend: str,
           scheduler: str | None) -> None:
    """Solve the base and every scenario (preset name or YAML file) in parallel; compare them side by side."""
    from exports.sheets_compare import Column, write_comparison
    from models import SolveConfig
    from optimizer.whatif import Run, run_limit, sweep

    started = time.perf_counter()
    inst, columns = _scenario_runs(base, scenarios, lang)
    given = _base_plan(inst, base_plan) if base_plan else None
    solved = columns[1:] if given is not None else columns
    jobs, solver_workers = _jobs_and_workers(backend, scheduler, workers, len(solved))
    limit = run_limit(time_limit - (time.perf_counter() - started), len(solved), jobs)
    waves = -(-len(solved) // jobs)
    if limit * waves > time_limit:
        click.echo(f"warning: --time-limit {time_limit:g} s is too short for {len(solved)} runs {jobs} at a time: "
                   f"each run gets at least {limit:g} s, so the sweep takes about {limit * waves:.0f} s", err=True)
    click.echo(f"{len(solved)} runs, {jobs} at a time, {limit:.1f} s each, {solver_workers} CP-SAT worker(s) each"
               + (f"; the base column is {base_plan}" if given is not None else ""), err=True)
    # the plans are written here after the sweep (its share of the budget), not by the runs
    config = SolveConfig(time_limit_s=limit, seed=seed, workers=solver_workers, plan_written_in_limit=False)
    try:
        results = sweep([Run(name, i) for name, _, i in solved], config, jobs=jobs, backend=backend,
                        scheduler=scheduler, progress=_progress())
    except RuntimeError as e:
        _fail_input([f"--backend {backend}: {e}"])
    out = Path(output)
    inputs = (Path(base), *(Path(s) for s in scenarios), *((Path(base_plan),) if base_plan else ()))
    cols = ([Column(*columns[0], given, None)] if given is not None else []) + [
        Column(name, desc, i, r.plan, r.error) for (name, desc, i), r in zip(solved, results)]
    with _writing(output):
        for k, c in enumerate(cols):
            name = "base" if k == 0 else c.name  # the base's instance is BASE itself
            if k:
                save(c.instance, _sidecar(out, name, "instance"), protect=inputs)
            if c.plan is not None:
                save(c.plan, _sidecar(out, name, "plan"), protect=inputs)
        write_comparison(out, cols, lang, protect=inputs)
        if report_html:
            from report import write_report

            write_report(Path(report_html), [(c.name, c.instance, c.plan) for c in cols if c.plan is not None],
                         lang=lang, protect=(*inputs, out))
    click.echo(f"wrote {output} ({len(cols)} columns) in {time.perf_counter() - started:.1f} s", err=True)
    if any(r.plan is None for r in results):
        sys.exit(EXIT_NO_PLAN)


@main.command()
@click.argument("base", metavar="BASE", type=click.Path(dir_okay=False))
@click.argument("scenarios", metavar="SCENARIO...", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Also write the reserve table (.xlsx).")
@click.option("--time-limit", type=click.FloatRange(min=1), default=30.0, show_default=True,
              help="Seconds per solve (each scenario is solved three times: as it is, with a generous reserve, "
                   "with the reserve found).")
@_sweep_options
def reserve(base: str, scenarios: tuple[str, ...], output: str | None, time_limit: float, workers: int | None,
            seed: int, lang: str, backend: str, scheduler: str | None) -> None:
    """The smallest reserve (rooms, staff, vehicles) that leaves no critical shortage in every scenario, and its cost."""
    from exports.sheets_compare import (
        ReserveCheck,
        ReserveLine,
        resource_word,
        verdict,
        write_reserve,
    )
    from models import SolveConfig
    from optimizer.reserve import critical_lines, size_reserve
    from optimizer.whatif import Run

    inst, columns = _scenario_runs(base, scenarios, lang)
    jobs, solver_workers = _jobs_and_workers(backend, scheduler, workers, len(columns))
    config = SolveConfig(time_limit_s=time_limit, seed=seed, workers=solver_workers)
    show = _progress()

    def progress(step: str, r) -> None:
        click.echo(f"[{step}] ", err=True, nl=False)
        show(r)

    try:
        found = size_reserve([Run(name, i) for name, _, i in columns], config, jobs=jobs, backend=backend,
                             scheduler=scheduler, progress=progress)
    except RuntimeError as e:
        _fail_input([f"--backend {backend}: {e}"])
    names = {}
    for _, _, i in columns:
        for coll in ("townships", "isolation_sites", "sources"):
            names.update({k: getattr(v, "name", k) for k, v in i.by_id(coll).items()})
    lines = [ReserveLine(resource, names.get(place, place), units, found.unit_costs[resource, place],
                         found.reserve.needed_by[resource, place])
             for (resource, place), units in sorted(found.reserve.amounts.items())]
    checks = []
    for before, generous, confirmed in zip(found.before, found.generous, found.confirmed):
        remaining = [f"{s.what} {s.township or ''} {s.quantity:g} {s.unit} ({s.binding_resource})"
                     for s in critical_lines(confirmed)]
        checks.append(ReserveCheck(confirmed.name, _lines_or_none(before), _lines_or_none(confirmed),
                                   _lines_or_none(generous), remaining))
    from exports.labels import compare, frame_text

    click.echo("\t".join(compare(k, lang) for k in ("col_resource", "col_where", "col_units", "col_unit_cost",
                                                       "col_cost")))
    for x in lines:
        click.echo(f"{resource_word(x.resource, lang)}\t{x.where}\t{x.units}\t{x.unit_cost}\t{x.cost}")
    click.echo(f"{frame_text('total', lang)}\t\t{sum(x.units for x in lines)}\t\t{sum(x.cost for x in lines)}")
    for c in checks:
        click.echo(f"{c.scenario}: critical lines {c.before} without the reserve, {c.after} with it "
                   f"(floor {c.floor}: no reserve of these kinds removes them) — {verdict(c).removeprefix('verdict_')}")
        for line in c.remaining[:5]:
            click.echo(f"    {line}")
    if output:
        with _writing(output):
            write_reserve(Path(output), inst, lines, checks, lang, protect=(Path(base), *(Path(s) for s in scenarios)))
        click.echo(f"wrote {output}", err=True)
    if any(verdict(c) == "verdict_short" for c in checks):
        sys.exit(EXIT_NO_PLAN)


def _lines_or_none(result) -> int | None:
    return None if result.plan is None else sum(1 for s in result.plan.shortages if s.tier == "critical")


# ---------------------------------------------------------------- explain (issue #8 item 1)

@main.command()
@click.argument("file", metavar="INSTANCE", type=click.Path(dir_okay=False))
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Explained plan JSON to write.")
@click.option("--xlsx", type=click.Path(dir_okay=False), help="Also write the plan workbook with its 瓶颈 sheet.")
@click.option("--time-limit", type=click.FloatRange(min=1), default=120.0, show_default=True,
              help="Seconds for the whole job: reading, the re-solves, writing.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Workbook language.")
def explain(file: str, plan_file: str, output: str, xlsx: str | None, time_limit: float, seed: int, lang: str) -> None:
    """Explain a plan: a counterfactual checked by a re-solve for every shortage line, marginal values, bottlenecks."""
    started = time.perf_counter()  # --time-limit bounds the whole job, as solve's does
    inst = _load(file)
    plan = _load_plan(plan_file)
    if plan.instance != inst.name or plan.plan_date != inst.plan_date.isoformat():
        _fail_input([f"{plan_file}: plan of {plan.instance} ({plan.plan_date}), not of {inst.name} ({inst.plan_date})"])
    for path in (output, xlsx):
        if path and Path(path).resolve() in (Path(file).resolve(), Path(plan_file).resolve()):
            _fail_input([f"{path}: refusing to overwrite an input file"])
    _explain_and_write(inst, plan, file, output, xlsx, lang, time_limit, seed, started, protect=(Path(plan_file),))


def _explain_and_write(inst, plan, file: str, output: str, xlsx: str | None, lang: str, time_limit: float,
                       seed: int, started: float, protect: tuple[Path, ...] = ()) -> None:
    from optimizer.explain import explain as run_explain

    logging.getLogger("optimizer.explain").setLevel(logging.INFO)
    # the re-solves get what is left once reading and writing are paid for (the workbook of a
    # county takes 10-15 % of a 2-minute budget on a busy machine)
    budget = time_limit * (0.85 if xlsx else 0.97) - (time.perf_counter() - started)
    done = run_explain(inst, plan, max(1.0, budget), seed=seed)
    with _writing(output):
        save(done.plan, Path(output), protect=(Path(file), *protect))
        if xlsx:
            from exports import write_workbook

            write_workbook(inst, done.plan, Path(xlsx), lang=lang)
    click.echo(f"explained in {done.seconds:.1f} s: {done.tried} reliefs re-solved, {done.cleared} verified to clear "
               f"their lines, {done.cut} to cut them; {len(done.not_tried)} not tried for lack of time"
               + (f" ({', '.join(done.not_tried[:5])}{', …' if len(done.not_tried) > 5 else ''})"
                  if done.not_tried else ""), err=True)
    for b in done.plan.bottlenecks[:5]:
        value = "-" if b.marginal_value is None else f"{b.marginal_value:g} {b.tier}/unit ({b.method})"
        click.echo(f"  {b.rank}. {b.resource}: {value}; {b.counterfactual}", err=True)


if __name__ == "__main__":
    main()
