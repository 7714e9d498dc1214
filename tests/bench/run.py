"""Benchmarks that print figures; they never assert timings (see ARCHITECTURE.md, "Tests").

    .venv/bin/python tests/bench/run.py [--factor 1.0] [--seed N] [--only NAME ...] [--keep-db] [--json PATH]

`make bench` runs this file. The database is always a fresh one:
- DATABASE_URL points at PostgreSQL: a new database `bench_<time>_<pid>` is created on the same server with
  the same credentials, migrated, and dropped at the end (unless --keep-db);
- otherwise: a temporary SQLite file, deleted at the end (unless --keep-db).

Two ways to add a benchmark:
- in this file: `def bench_something(ctx: Context) -> list[Measurement]` decorated with
  `@benchmark("name")`, placed after the benchmarks whose data it needs (they run in file order in one
  process on one database; the load data comes first). Use `ctx.state` to hand things on, and
  `timed_samples` / `percentile` for latency figures such as the p50/p95 of a volunteer list page;
- a module `tests/bench/bench_<name>.py` with `run(factor: float | None) -> list[tuple[str, str]]`
  (label, figure). It is called after the benchmarks in this file, with the original DATABASE_URL in the
  environment, and looks after its own database. `factor` is None unless --factor was given.

`--only NAME ...` picks benchmarks by name ("load data", or a module's <name>).
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")
# The benches measure the back-office pages, not the staff sign-in: staff logged in with force_login carry no
# second factor, which the test settings would otherwise ask for (STAFF_2FA_REQUIRED, README "Staff sign-in").
os.environ.setdefault("STAFF_2FA_REQUIRED", "0")
DEFAULT_SETTINGS = "volunteer_site.settings.test"  # DEBUG off, no external services


# --- Results --------------------------------------------------------------------------------------
@dataclass
class Measurement:
    benchmark: str
    step: str
    seconds: float | None = None
    rows: int | None = None
    note: str = ""

    @property
    def rows_per_second(self) -> float | None:
        if self.rows and self.seconds:
            return self.rows / self.seconds
        return None


@dataclass
class Context:
    vendor: str
    database: str
    factor: float
    seed: int
    state: dict = field(default_factory=dict)


BENCHMARKS: list[tuple[str, Callable[[Context], list[Measurement]]]] = []


def benchmark(name: str):
    def register(function):
        BENCHMARKS.append((name, function))
        return function

    return register


def timed_samples(function: Callable[[], object], *, repeat: int, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of `repeat` calls after `warmup` unmeasured ones."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[max(0, min(98, round(p) - 1))]


# --- Benchmarks -----------------------------------------------------------------------------------
@benchmark("load data")
def bench_load_data(ctx: Context) -> list[Measurement]:
    """generate_load_data at city and WMG scale (the data the later benchmarks measure on)."""
    from django.core.management import call_command

    from operations.management.commands.generate_load_data import Command

    command = Command(stdout=sys.stdout)
    call_command(command, scale="all", factor=ctx.factor, seed=ctx.seed)
    ctx.state["load_data"] = True
    results = [
        Measurement("load data", f"{t.scale} {t.phase}", t.seconds, t.rows or None) for t in command.timings
    ]
    total_rows = sum(command.counts.rows.values())
    results.append(Measurement("load data", "total", command.total_seconds, total_rows))
    results.append(Measurement("load data", "database size", note=_database_size(ctx)))
    return results


def _database_size(ctx: Context) -> str:
    from django.db import connection

    if ctx.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            return cursor.fetchone()[0]
    size = sum(p.stat().st_size for p in Path(ctx.database).parent.glob(Path(ctx.database).name + "*"))
    return f"{size / 2**20:,.0f} MB"


# --- Database -------------------------------------------------------------------------------------
class Database:
    """A fresh database for one run: created before Django is set up, removed at the end."""

    def __init__(self, keep: bool):
        self.keep = keep
        self.url = os.environ.get("DATABASE_URL", "")
        self.postgres = urlsplit(self.url).scheme in POSTGRES_SCHEMES
        self.name = ""
        self._tmpdir = None

    def create(self) -> str:
        if self.postgres:
            parts = urlsplit(self.url)
            self.name = f"bench_{dt.datetime.now():%Y%m%d_%H%M%S}_{os.getpid()}"
            with self._admin_connection() as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            return urlunsplit(parts._replace(path="/" + self.name))
        self._tmpdir = tempfile.mkdtemp(prefix="volunteer-bench-")
        self.name = str(Path(self._tmpdir) / "bench.sqlite3")
        return f"sqlite:///{self.name}"

    def drop(self) -> None:
        if self.keep:
            print(f"Kept the benchmark database: {self.name}")
            return
        if self.postgres and self.name:
            with self._admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        elif self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def _admin_connection(self):
        """A connection to the database named in DATABASE_URL (or `postgres`) for CREATE/DROP DATABASE."""
        import dj_database_url
        import psycopg

        config = dj_database_url.parse(self.url)
        params = {
            "host": config.get("HOST") or None, "port": config.get("PORT") or None,
            "user": config.get("USER") or None, "password": config.get("PASSWORD") or None,
            **(config.get("OPTIONS") or {}),
        }
        params = {k: v for k, v in params.items() if v is not None}
        for dbname in dict.fromkeys([config.get("NAME") or "postgres", "postgres"]):
            try:
                return psycopg.connect(dbname=dbname, autocommit=True, **params)
            except psycopg.OperationalError:
                if dbname == "postgres":
                    raise
        raise RuntimeError("unreachable")


# --- Benchmark modules (tests/bench/bench_*.py) ------------------------------------------------------
def module_benchmarks() -> list[tuple[str, Path]]:
    here = Path(__file__).resolve().parent
    return [(path.stem.removeprefix("bench_"), path) for path in sorted(here.glob("bench_*.py"))]


def run_module(name: str, path: Path, factor: float | None) -> list[Measurement]:
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        rows = module.run(factor)
    except Exception as error:  # one broken benchmark must not hide the others' figures
        traceback.print_exc()
        return [Measurement(name, "failed", note=f"{type(error).__name__}: {error}")]
    return [Measurement(name, str(label), note=str(value)) for label, value in rows]


# --- Main -----------------------------------------------------------------------------------------
def print_table(results: list[Measurement]) -> None:
    bw = max([len("benchmark")] + [len(r.benchmark) for r in results])
    sw = max([len("step")] + [len(r.step) for r in results])
    header = f"{'benchmark':<{bw}} {'step':<{sw}} {'seconds':>9} {'rows':>11} {'rows/s':>11}  note"
    print(header)
    print("-" * len(header))
    for r in results:
        seconds = f"{r.seconds:9.2f}" if r.seconds is not None else " " * 9
        rows = f"{r.rows:11,}" if r.rows is not None else " " * 11
        rate = f"{r.rows_per_second:11,.0f}" if r.rows_per_second is not None else " " * 11
        print(f"{r.benchmark:<{bw}} {r.step:<{sw}} {seconds} {rows} {rate}  {r.note}".rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=float, help="Scale of the load data (default 1.0 = SPEC sizes).")
    parser.add_argument("--seed", type=int, default=20250517)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="Run only these benchmarks.")
    parser.add_argument("--keep-db", action="store_true", help="Keep the benchmark database for inspection.")
    parser.add_argument("--json", type=Path, help="Also write the results to this JSON file.")
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help=f"Django settings (default {DEFAULT_SETTINGS}).")
    args = parser.parse_args(argv)
    args.factor_given = args.factor is not None
    if args.factor is None:
        args.factor = 1.0
    wanted = set(args.only or [])
    in_process = [(n, f) for n, f in BENCHMARKS if not wanted or n in wanted]
    modules = [(n, p) for n, p in module_benchmarks() if not wanted or n in wanted]
    unknown = wanted - {n for n, _f in BENCHMARKS} - {n for n, _p in module_benchmarks()}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if in_process and in_process[0][0] != "load data":
        in_process.insert(0, BENCHMARKS[0])  # the others measure on the load data

    original_url = os.environ.get("DATABASE_URL")
    vendor = "postgresql" if urlsplit(original_url or "").scheme in POSTGRES_SCHEMES else "sqlite"
    results: list[Measurement] = []
    if in_process:
        database = Database(keep=args.keep_db)
        os.environ["DATABASE_URL"] = database.create()
        os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
        try:
            import django

            django.setup()
            from django.core.management import call_command
            from django.db import connection, connections

            ctx = Context(vendor=connection.vendor, database=database.name, factor=args.factor, seed=args.seed)
            print(f"Benchmarks on {ctx.vendor} ({database.name}), factor {args.factor:g}, seed {args.seed}")

            start = time.perf_counter()
            call_command("migrate", interactive=False, verbosity=0, stdout=io.StringIO())
            results.append(Measurement("setup", "migrate", time.perf_counter() - start))

            for name, function in in_process:
                print(f"\n== {name}")
                results.extend(function(ctx))
            connections.close_all()
        finally:
            database.drop()
            if original_url is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = original_url

    factor = args.factor if args.factor_given else None
    for name, path in modules:
        print(f"\n== {name} ({path.name})")
        results.extend(run_module(name, path, factor))

    print(f"\nResults ({vendor}, factor {args.factor:g}, {dt.datetime.now():%Y-%m-%d %H:%M})")
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "vendor": vendor, "factor": args.factor, "seed": args.seed,
            "at": dt.datetime.now().isoformat(timespec="seconds"),
            "results": [asdict(r) | {"rows_per_second": r.rows_per_second} for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"Wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
