"""What every benchmark command shares: a throwaway database beside the configured one (a
temporary file for SQLite), so a benchmark never touches real data and leaves nothing behind."""

import contextlib
import os
import shutil
import tempfile

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
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        if keep:
            stdout.write(f"Kept the benchmark database: {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            shutil.rmtree(workdir, ignore_errors=True)
