"""The region benchmarks at a tiny size: a library spread over partnerships of one deployment on
PostgreSQL (and the Elasticsearch engine: osmem-server, or ELASTICSEARCH_URL), each page's p50 and
p95 for the region, for one partnership holding the same library, and their ratio."""

import os
import re
import subprocess
import sys

import pytest

from .servers import postgres_cluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMINGS = r"\s+\d+\.\d\s+\d+\.\d\s+[\d-]+"  # p50 ms, p95 ms, queries
RATIO = r"\s+[\d.]+ / [\d.]+\s+[\d.]+ / [\d.]+\s+[\d.]+×\s+[\d.]+×$"


def manage(*args, database_url):
    environ = dict(
        os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=database_url
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=1200,
    )


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_cluster() as url:
        yield url


def region_of_three(command, *options, database_url):
    """Run a region benchmark with 300 recommendations over three partnerships; its output, once
    it is seen to have built the same library twice: spread over three, then in one."""
    result = manage(
        command,
        "--partnerships=3",
        "--database=postgres",
        "--recommendations=300",
        *options,
        database_url=database_url,
    )
    assert result.returncode == 0, result.stderr
    region, single = re.findall(
        r"^Built (\d+) partnerships, (\d+) reviews, (\d+) recommendations, (\d+) actions, "
        r"(\d+) agencies, (\d+) people",
        result.stdout,
        re.M,
    )
    assert region[:3] == ("3", "3", "300")
    # One partnership holds exactly what the three hold between them.
    assert single == ("1", *region[1:])
    assert "3 partnerships / 1 partnership, same library" in result.stdout
    return result.stdout


def test_region_benchmark_refuses_a_database_other_than_the_one_asked_for(tmp_path):
    result = manage(
        "benchmark_tracker",
        "--partnerships=2",
        "--database=postgres",
        database_url=f"sqlite:///{tmp_path}/hub.sqlite3",
    )
    assert result.returncode != 0
    assert "The region benchmark was asked for PostgreSQL but DATABASE_URL is sqlite" in (
        result.stderr
    )
    assert "Creating a throwaway database" not in result.stdout


@pytest.mark.postgres
def test_tracker_region_benchmark_prints_each_persons_pages_and_the_ratio(postgres_url):
    out = region_of_three("benchmark_tracker", "--runs=2", database_url=postgres_url)
    assert "3 partnerships (postgresql), 300 recommendations" in out
    assert "1 partnership (postgresql), 300 recommendations" in out
    for page, person in [
        ("Tracker list", "lead of WYP \\(in all\\)"),
        ("My work", "lead of WYP \\(in all\\)"),
        ("Tracker list", "business unit of area-01"),
        ("Dashboard", "business unit of area-01"),
    ]:
        assert len(re.findall(rf"^{page}\s+{person}\s+2{TIMINGS}$", out, re.M)) == 2, page
        assert re.search(rf"^{page}\s+{person}{RATIO}", out, re.M), page
    assert re.search(r"^Dashboard\s+lead of WYP \(in all\)\s+not theirs", out, re.M)


@pytest.mark.postgres
@pytest.mark.elasticsearch
def test_search_region_benchmark_prints_the_search_page_and_api_and_the_ratio(postgres_url):
    out = region_of_three(
        "benchmark_search", "--engine=elasticsearch", "--queries=4", database_url=postgres_url
    )
    assert len(re.findall(r"^Filled the index hub-benchmark-\w+: 303 documents", out, re.M)) == 2
    real_cluster = os.environ.get("ELASTICSEARCH_URL")
    engine = "Elasticsearch at ELASTICSEARCH_URL" if real_cluster else "osmem-server"
    assert f"3 partnerships ({engine}), 300 recommendations" in out
    for page in ["Search page", "Search API"]:
        timed = rf"^{page}\s+practitioner of area-01\s+4{TIMINGS}"
        assert len(re.findall(timed, out, re.M)) == 2, page
        assert re.search(rf"^{page}\s+practitioner of area-01{RATIO}", out, re.M), page
