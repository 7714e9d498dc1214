"""Backups that restore: the database (pg_dump, custom format), every file root (public media, private
files) and a manifest (sizes, SHA-256 of every file and of the dump, the migration state, and the row
count and a checksum of every table), restored into an empty database and empty file roots and checked
against that manifest. Used by `manage.py backup` and `manage.py restore`; README "Backups" explains
the schedule, the retention and how to bring back a single record.

Layout of one backup (a directory; the operator may tar or sync it elsewhere):

    backup-20250517T180000Z/
        manifest.json
        db.dump                  pg_dump --format=custom
        files/<root name>/...    a copy of each file root
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "db.dump"


class BackupError(Exception):
    pass


def file_roots() -> dict[str, Path]:
    """The directories backed up: `BACKUP_FILE_ROOTS` when set, otherwise MEDIA_ROOT (when media are
    on local disk) and PRIVATE_MEDIA_ROOT (when the project has one)."""
    configured = getattr(settings, "BACKUP_FILE_ROOTS", None)
    if configured:
        return {name: Path(path) for name, path in configured.items()}
    roots: dict[str, Path] = {}
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        roots["media"] = Path(settings.MEDIA_ROOT)
    private = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
    if private:
        roots["private"] = Path(private)
    return roots


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- PostgreSQL connection details -------------------------------------------------------------------

@dataclass
class PgTarget:
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, alias: str = "default") -> PgTarget:
        s = connections[alias].settings_dict
        if not s["ENGINE"].endswith("postgresql"):
            raise BackupError("Backups and restores need PostgreSQL (DATABASE_URL=postgres://…).")
        return cls(name=s["NAME"], host=s.get("HOST") or "", port=str(s.get("PORT") or ""),
                   user=s.get("USER") or "", password=s.get("PASSWORD") or "")

    @classmethod
    def from_url(cls, url: str) -> PgTarget:
        import dj_database_url

        s = dj_database_url.parse(url)
        if not s["ENGINE"].endswith("postgresql"):
            raise BackupError("The target must be a PostgreSQL URL.")
        return cls(name=s["NAME"], host=s.get("HOST") or "", port=str(s.get("PORT") or ""),
                   user=s.get("USER") or "", password=s.get("PASSWORD") or "")

    def args(self) -> list[str]:
        out = []
        if self.host:
            out += ["--host", self.host]
        if self.port:
            out += ["--port", self.port]
        if self.user:
            out += ["--username", self.user]
        return out

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, **kwargs):
        import psycopg

        return psycopg.connect(dbname=self.name, host=self.host or None, port=self.port or None,
                               user=self.user or None, password=self.password or None, **kwargs)


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore from PG_BIN_DIR (e.g. /usr/lib/postgresql/16/bin) or the PATH."""
    bin_dir = getattr(settings, "PG_BIN_DIR", "")
    path = str(Path(bin_dir) / name) if bin_dir else shutil.which(name)
    if not path or not Path(path).exists():
        raise BackupError(f"{name} not found: install the postgresql-client package matching the server "
                          "or set PG_BIN_DIR.")
    return path


def _major(version_text: str) -> int:
    """15 from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    import re

    match = re.search(r"\)\s*(\d+)", version_text) or re.search(r"(\d+)", version_text)
    return int(match.group(1)) if match else 0


def tool_version(name: str) -> str:
    return subprocess.run([pg_tool(name), "--version"], capture_output=True, text=True, check=True).stdout.strip()


def check_tool_matches_server(name: str, server_version_num: int) -> str:
    """pg_dump refuses servers newer than itself; say so clearly before starting."""
    version = tool_version(name)
    if _major(version) < server_version_num // 10000:
        raise BackupError(f"{version} is older than the server (PostgreSQL {server_version_num // 10000}); "
                          "install the matching postgresql-client or set PG_BIN_DIR.")
    return version


def table_fingerprints(cursor) -> dict[str, dict]:
    """Row count and an order-independent MD5 of the rows of every table of the public schema."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    out = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "  # noqa: S608 - table names from the catalogue
            f"FROM (SELECT md5(t::text) AS h FROM public.{quoted} t) rows")
        count, checksum = cursor.fetchone()
        out[table] = {"rows": count, "md5": checksum}
    return out


def migration_state(cursor) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [list(row) for row in cursor.fetchall()]


# --- Backup ------------------------------------------------------------------------------------------

def _copy_root(root: Path, target: Path) -> dict:
    entries, total = [], 0
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            relative = path.relative_to(root).as_posix()
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            size = destination.stat().st_size
            entries.append({"path": relative, "size": size, "sha256": sha256_file(destination)})
            total += size
    return {"source": str(root), "files": len(entries), "bytes": total, "entries": entries}


def create_backup(destination: Path, *, alias: str = "default", checksums: bool = True) -> Path:
    """Write a complete backup under `destination` and return its directory. The database dump, the row
    counts and the checksums come from one snapshot (pg_dump --snapshot), so they agree with each other
    while the site keeps running."""
    target_db = PgTarget.from_settings(alias)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    final = Path(destination) / f"backup-{stamp}"
    work = Path(destination) / f".backup-{stamp}.partial"
    if final.exists():
        raise BackupError(f"{final} already exists")
    work.mkdir(parents=True)
    try:
        manifest = {"format": FORMAT, "created_at": stamp, "database": {}, "files": {}}
        with target_db.connect() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            server = conn.execute("SHOW server_version_num").fetchone()[0]
            dump_version = check_tool_matches_server("pg_dump", int(server))
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            with conn.cursor() as cursor:
                migrations = migration_state(cursor)
                tables = table_fingerprints(cursor) if checksums else {}
            subprocess.run(
                [pg_tool("pg_dump"), "--format=custom", "--snapshot", snapshot, "--file", str(work / DUMP),
                 *target_db.args(), target_db.name],
                env=target_db.env(), check=True, capture_output=True, text=True)
            conn.execute("COMMIT")
        manifest["database"] = {
            "vendor": "postgresql", "name": target_db.name, "server_version_num": int(server),
            "dump_tool": dump_version, "file": DUMP, "size": (work / DUMP).stat().st_size,
            "sha256": sha256_file(work / DUMP), "tables": tables,
        }
        manifest["migrations"] = migrations
        for name, root in file_roots().items():
            manifest["files"][name] = _copy_root(root, work / "files" / name)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        work.rename(final)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise BackupError(f"{exc.cmd[0]} failed: {exc.stderr.strip()[:500]}") from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def prune_backups(destination: Path, *, daily: int, weekly: int, monthly: int) -> list[Path]:
    """Keep the newest `daily` backups, plus the newest of each of the last `weekly` ISO weeks and of the
    last `monthly` months; delete the rest. Returns what was deleted."""
    backups = sorted((p for p in Path(destination).glob("backup-*") if p.is_dir()), reverse=True)
    keep: set[Path] = set(backups[:daily])
    weeks, months = {}, {}
    for path in backups:
        when = datetime.datetime.strptime(path.name[7:], "%Y%m%dT%H%M%SZ")
        weeks.setdefault(when.isocalendar()[:2], path)
        months.setdefault((when.year, when.month), path)
    keep.update(list(weeks.values())[:weekly])
    keep.update(list(months.values())[:monthly])
    removed = [p for p in backups if p not in keep]
    for path in removed:
        shutil.rmtree(path)
    return removed


# --- Verify and restore ------------------------------------------------------------------------------

def load_manifest(source: Path) -> dict:
    path = Path(source) / MANIFEST
    if not path.exists():
        raise BackupError(f"{path} not found: not a complete backup")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def verify_backup(source: Path) -> dict:
    """Check the size and SHA-256 of the dump and of every file against the manifest."""
    source = Path(source)
    manifest = load_manifest(source)
    db = manifest["database"]
    dump = source / db["file"]
    if not dump.exists() or dump.stat().st_size != db["size"] or sha256_file(dump) != db["sha256"]:
        raise BackupError("the database dump is missing or damaged (size or SHA-256 differs)")
    for name, root in manifest["files"].items():
        for entry in root["entries"]:
            path = source / "files" / name / entry["path"]
            if not path.exists() or path.stat().st_size != entry["size"] or sha256_file(path) != entry["sha256"]:
                raise BackupError(f"file {name}/{entry['path']} is missing or damaged")
    return manifest


def _database_is_empty(target: PgTarget) -> bool:
    with target.connect() as conn:
        return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


def restore_backup(source: Path, *, database_url: str | None = None, alias: str = "default",
                   files_roots: dict[str, Path] | None = None, database: bool = True,
                   files: bool = True) -> dict:
    """Restore `source` into an EMPTY database (the configured one, or `database_url`) and EMPTY file
    roots (the configured ones, or `files_roots` by root name), then check the migration state, the row
    counts and checksums of every table and the files against the manifest. Returns a summary."""
    source = Path(source)
    manifest = verify_backup(source)
    summary = {"tables": 0, "rows": 0, "files": 0}
    targets = files_roots if files_roots is not None else file_roots()
    if files:
        for name in manifest["files"]:
            if name not in targets:
                raise BackupError(f"no target directory for the file root {name!r} (use --files-root {name}=PATH)")
            target_dir = Path(targets[name])
            if target_dir.exists() and any(target_dir.iterdir()):
                raise BackupError(f"{target_dir} is not empty; restore into empty storage")
    if database:
        target = PgTarget.from_url(database_url) if database_url else PgTarget.from_settings(alias)
        if not _database_is_empty(target):
            raise BackupError(f"database {target.name} is not empty; restore into an empty database")
        with target.connect() as conn:
            server = int(conn.execute("SHOW server_version_num").fetchone()[0])
        check_tool_matches_server("pg_restore", server)
        result = subprocess.run(
            [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
             *target.args(), "--dbname", target.name, str(source / manifest["database"]["file"])],
            env=target.env(), capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
        with target.connect() as conn, conn.cursor() as cursor:
            if migration_state(cursor) != manifest["migrations"]:
                raise BackupError("the restored migration state differs from the manifest")
            expected = manifest["database"]["tables"]
            if expected:
                actual = table_fingerprints(cursor)
                if actual != expected:
                    differing = sorted(t for t in set(actual) | set(expected) if actual.get(t) != expected.get(t))
                    raise BackupError(f"restored tables differ from the manifest: {', '.join(differing[:10])}")
                summary["tables"] = len(actual)
                summary["rows"] = sum(t["rows"] for t in actual.values())
    if files:
        for name, root in manifest["files"].items():
            target_dir = Path(targets[name])
            for entry in root["entries"]:
                destination = target_dir / entry["path"]
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / "files" / name / entry["path"], destination)
                if sha256_file(destination) != entry["sha256"]:
                    raise BackupError(f"restored file {name}/{entry['path']} differs from the manifest")
                summary["files"] += 1
    return summary
