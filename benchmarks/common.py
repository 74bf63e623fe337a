"""What the benchmarks share: a throwaway Hygeia data directory on SQLite, set up by
`hygeia init` in a child process, so that each measurement starts from an empty store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def hygeia_env(data: Path) -> dict[str, str]:
    """The environment of a `hygeia` child process using the data directory `data`."""
    env = {
        **os.environ,
        "HYGEIA_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'hygeia.sqlite3'}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def fresh_data(work: Path, source: Path | None = None) -> tuple[Path, dict[str, str]]:
    """An empty, initialised data directory under `work`, with the `hygeia` of `source`
    (a checkout; the current one by default), and the environment that uses it."""
    data = work / "hygeia-data"
    shutil.rmtree(data, ignore_errors=True)
    env = hygeia_env(data)
    subprocess.run(
        [sys.executable, "-m", "hygeia.cli", "init", "--no-input", "--json"],
        env=env,
        cwd=source,
        check=True,
        capture_output=True,
    )
    return data, env
