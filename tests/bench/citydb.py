"""The city-scale benches' common frame: a fresh PostgreSQL database next to DATABASE_URL, migrated and filled by
`generate_load_data --scale city`, the bench's `--inner` part run in a child process on it, the database dropped.
With `database_url` the bench measures a database that already holds the city load data (kept afterwards)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def run_inner(label: str, script: str, env: dict, pre: list | None = None) -> list[tuple[str, str]]:
    """Run `script --inner` on `env`'s database; its last stdout line is the JSON list of (label, figure)."""
    pre = list(pre or [])
    out = subprocess.run([sys.executable, str(Path(script).resolve()), "--inner"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stderr[-3000:])
        return [*pre, (label, f"failed (exit {out.returncode})")]
    results = pre + [tuple(pair) for pair in json.loads(out.stdout.strip().splitlines()[-1])]
    for name, figure in results:
        print(f"  {name:<70} {figure}")
    return results


def on_city_database(label: str, script: str, *, factor: float | None = None, database_url: str | None = None,
                     env_extra: dict | None = None,
                     after_generate: Callable[[str, float], list] | None = None) -> list[tuple[str, str]]:
    """Measure `script` on the city load data (see the module docstring). `after_generate(stdout, seconds)` may
    turn the generator's output into figures printed before the bench's own."""
    url = database_url or os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or \
        "postgres://postgres@127.0.0.1:5432/postgres"
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        print(f"{label}: skipped (needs PostgreSQL in DATABASE_URL)")
        return [(label, "skipped: needs PostgreSQL")]
    env_base = {**os.environ, "DJANGO_SETTINGS_MODULE": "volunteer_site.settings.test", "CELERY_BROKER_URL": "",
                **(env_extra or {})}
    if database_url:
        return run_inner(label, script, {**env_base, "DATABASE_URL": database_url})
    import psycopg

    name = f"{label}_bench_{os.getpid()}"
    admin = psycopg.connect(url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    env = {**env_base, "DATABASE_URL": urlunsplit(urlsplit(url)._replace(path=f"/{name}"))}
    try:
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        started = time.perf_counter()
        generate = [python, "manage.py", "generate_load_data", "--scale", "city"]
        if factor:
            generate += ["--factor", str(factor)]
        out = subprocess.run(generate, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        print(f"{label}: city load data generated in {seconds:.0f} s")
        pre = after_generate(out.stdout, seconds) if after_generate else []
        return run_inner(label, script, env, pre)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def percentile(values, q):
    """The q-th percentile of `values` (nearest rank)."""
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


def ms_figure(values) -> str:
    """Median and p95 of timings in milliseconds, as the benches print them."""
    import statistics

    return f"median {statistics.median(values):.1f} ms, p95 {percentile(values, 95):.1f} ms"


def bench_main(run: Callable, inner: Callable) -> None:
    """The command line of a city-scale bench: `--inner` (the child process, on the bench database) or the
    whole run, with `--factor F` and `--database-url URL` (measure a database that holds the city data)."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--inner", action="store_true")
    parser.add_argument("--factor", type=float, default=None)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.inner:
        inner()
    else:
        run(args.factor, database_url=args.database_url)
