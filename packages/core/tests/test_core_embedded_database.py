"""The embedded PostgreSQL used when DATABASE_URL is unset."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

try:  # the matrix has a psycopg 3 and a psycopg2 variant
    import psycopg as driver
except ImportError:  # pragma: no cover
    import psycopg2 as driver  # type: ignore[no-redef]

SCRIPT = """
import os, signal, sys
from pg_tenants.core.testing.database import database_url, database_settings
url = database_url()
print(url, database_settings()["HOST"], flush=True)
sys.stdin.readline()
if sys.argv[1] == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("ending", ["exit", "kill"])
def test_embedded_server_starts_and_is_gone_after_its_process(ending):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, ending], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    url, host = proc.stdout.readline().split()
    conn = driver.connect(url)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    finally:
        conn.close()
    assert Path(host).is_dir()
    proc.stdin.write("\n")
    proc.stdin.flush()
    proc.stdin.close()
    proc.wait(timeout=30)
    proc.stdout.close()
    deadline = time.monotonic() + 20
    while Path(host).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(host).exists(), "the embedded server's directory outlived its process"
    with pytest.raises(driver.OperationalError):
        driver.connect(url, connect_timeout=2)


def test_url_from_settings_round_trips():
    from pg_tenants.core.testing.database import database_settings, url_from_settings

    for url in (
        "postgresql://postgres@127.0.0.1:5432/test_db",
        "postgresql://u:p%40ss@db.example:6543/name",
        "postgresql://postgres@/postgres?host=%2Ftmp%2Fpg_x",
    ):
        settings = database_settings(url)
        assert database_settings(url_from_settings(settings)) == settings
