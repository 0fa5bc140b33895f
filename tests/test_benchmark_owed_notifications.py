"""The owed-notifications benchmark at a tiny size: it builds new actions in two partnerships,
times the pass that tells their leads, and a second pass finds nothing owed."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASS = r"\s+(\d+)\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+$"


def test_the_benchmark_tells_every_lead_once_and_then_finds_nothing_owed(tmp_path):
    environ = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'configured.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "benchmark_tracker", "--new-actions=400"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Built 400 new actions in 2 partnerships for 42 agency leads" in result.stdout
    (first,) = re.findall(r"^over 400 new actions" + PASS, result.stdout, re.M)
    (again,) = re.findall(r"^again \(nothing owed\)" + PASS, result.stdout, re.M)
    # Fewer than a page of each agency's actions: one email to each lead.
    assert (first, again) == ("42", "0")
