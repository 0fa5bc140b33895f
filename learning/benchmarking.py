"""What every benchmark command shares: a throwaway database beside the configured one (a
temporary file for SQLite), so a benchmark never touches real data and leaves nothing behind."""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection


@contextlib.contextmanager
def throwaway_database(stdout, prefix, keep=False):
    """Create and migrate a test database, run the body in it, then remove it (unless `keep`,
    when its name is printed so it can be inspected)."""
    workdir = tempfile.mkdtemp(prefix=prefix)
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = os.path.join(workdir, "benchmark.sqlite3")
    stdout.write("Creating a throwaway database and running migrations…")
    # create_test_db returns the test database's name; the configured one is restored after.
    configured_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        if keep:
            stdout.write(f"Kept the benchmark database: {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(configured_name, verbosity=0)
            shutil.rmtree(workdir, ignore_errors=True)


def run_in_throwaway_sqlite(
    stdout,
    prefix,
    command,
    options,
    passed_on,
    benchmark,
    arguments=(),
    sqlite_only=True,
    keep=None,
):
    """Run `command` again in a child process on a fresh, migrated SQLite file, with the database
    search engine and no Celery broker whatever the settings say, passing on the options named
    in `passed_on` (and any further `arguments`); in that child, call `benchmark(options)`. The
    file is removed after, unless `keep` names a file to use instead: it is migrated, used and
    left in place, so a large library built once can be timed again. A timing benchmark refuses
    to run its child on another database; a measure that does not time anything
    (`sqlite_only=False`) runs on whichever it is given."""
    child_flag = f"{command.upper()}_THROWAWAY_DB"
    if os.environ.get(child_flag) == "1":
        if sqlite_only and connection.vendor != "sqlite":
            raise CommandError("The benchmark runs on SQLite only.")
        benchmark(options)
        return
    workdir = tempfile.mkdtemp(prefix=prefix)
    database = Path(keep).resolve() if keep else Path(workdir) / "bench.sqlite3"
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{database}",
        SEARCH_ENGINE="database",
        CELERY_BROKER_URL="",
        MEDIA_ROOT=f"{workdir}/media",
        **{child_flag: "1"},
    )
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    arguments = [f"--{name.replace('_', '-')}={options[name]}" for name in passed_on] + [*arguments]
    try:
        stdout.write(f"{'Kept' if keep else 'Throwaway'} database: {database} (migrating…)")
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
        subprocess.run([*manage, command, *arguments], env=env, check=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
