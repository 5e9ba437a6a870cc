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
from pathlib import Path

import click

from models.io import InputError, load_instance, load_plan, save

EXIT_OK, EXIT_NO_PLAN, EXIT_BAD_INPUT = 0, 1, 2


def _fail_input(problems: list[str]) -> None:
    for p in problems:
        click.echo(p, err=True)
    sys.exit(EXIT_BAD_INPUT)


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
@click.option("--pin", "pin_file", type=click.Path(dir_okay=False),
              help="Workbook whose rows marked in the 固定/pinned column are kept as they are.")
def solve(file: str, time_limit: float, seed: int, workers: int, output: str, xlsx: str | None, lang: str,
          report_html: str | None, baseline: str | None = None, max_changes: int | None = None,
          pin_file: str | None = None) -> None:
    """Solve an instance into tomorrow's plan: exit 0 plan, 1 no plan, 2 bad input."""
    from models import SolveConfig
    from optimizer import solve as run

    started = time.perf_counter()  # --time-limit bounds the whole job, reading the instance included
    inst = _load(file)
    base, pins = _continuity_inputs(inst, baseline, max_changes, pin_file)
    logging.getLogger("optimizer").setLevel(logging.INFO)
    try:
        result = run(inst, SolveConfig(time_limit_s=time_limit, seed=seed, workers=workers, log_progress=True),
                     started=started, baseline=base, max_changes=max_changes, pins=pins)
    except InputError as e:  # a pin this instance cannot express
        _fail_input(e.problems)
    click.echo(result.summary(), err=True)
    if result.plan is None:
        click.echo(f"no plan: {result.status}", err=True)
        for line in result.diagnosis:  # the pins that conflict, or a change budget too small
            click.echo(line, err=True)
        if result.status == "INFEASIBLE":  # proven, never a time-out: say which hard rules conflict
            from optimizer.diagnose import diagnose

            for line in diagnose(inst, result.config).lines():
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
        counted = [c for c in result.plan.changes if c.stakeholder != "vehicle"]
        click.echo(f"changes from the baseline: {len(counted)} decisions"
                   + "".join(f"; {k} {n}" for k, n in sorted(Counter(c.module for c in counted).items())), err=True)
    _print_plan_summary(result.plan)


def _continuity_inputs(inst, baseline: str | None, max_changes: int | None, pin_file: str | None):
    """The baseline plan and the pinned rows, or exit 2 naming what is wrong with them."""
    base = pins = None
    if max_changes is not None and baseline is None:
        _fail_input(["--max-changes: needs --baseline (the plan the changes are counted from)"])
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
    try:
        write_report(Path(output), [(inst.name, inst, plan)], lang=lang, protect=(Path(file), Path(plan_file)))
    except InputError as e:
        _fail_input(e.problems)
    except OSError as e:
        _fail_input([f"{output}: cannot write: {e.strerror}"])
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
    try:
        write_dispatch(inst, plan, Path(output), lang=lang, protect=(Path(file), Path(plan_file)))
    except InputError as e:
        _fail_input(e.problems)
    except OSError as e:
        _fail_input([f"{output}: cannot write: {e.strerror}"])
    click.echo(f"wrote {output}", err=True)


@main.command()
@click.argument("output", metavar="OUT.xlsx", type=click.Path(dir_okay=False))
@click.option("--from", "from_file", type=click.Path(dir_okay=False), help="Instance JSON to fill the workbook from.")
def template(output: str, from_file: str | None) -> None:
    """Write the input workbook (a sheet per entity), empty with example rows or filled from an instance."""
    from exports.input_workbook import write_template

    inst = _load(from_file) if from_file else None
    try:
        write_template(Path(output), inst, protect=(Path(from_file),) if from_file else ())
    except InputError as e:
        _fail_input(e.problems)
    except OSError as e:
        _fail_input([f"{output}: cannot write: {e.strerror}"])
    click.echo(f"wrote {output}", err=True)


@main.command("import")
@click.argument("file", metavar="IN.xlsx", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Instance JSON to write.")
def import_(file: str, output: str) -> None:
    """Read an input workbook into a validated instance: exit 0, or 2 with one `sheet!B12: message` line per problem."""
    from exports.input_import import read_workbook

    try:
        inst = read_workbook(Path(file))
        save(inst, Path(output), protect=(Path(file),))
    except InputError as e:
        _fail_input(e.problems)  # `sheet!B12: message`, or `IN.xlsx: message` for the file itself
    except OSError as e:
        _fail_input([f"{output}: cannot write: {e.strerror}"])
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


if __name__ == "__main__":
    main()
