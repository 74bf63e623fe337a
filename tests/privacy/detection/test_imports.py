"""Every detection module imports on its own, first: a cycle between modules (the context
preparation and the detectors, say) only shows when the import order happens to enter it
from the wrong side, as the URL configuration did."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import hygeia.privacy.detection as package

FOLDER = Path(package.__file__).parent
MODULES = sorted(
    "hygeia.privacy.detection."
    + ".".join(path.relative_to(FOLDER).with_suffix("").parts).removesuffix(".__init__")
    for path in FOLDER.rglob("*.py")
)
SETUP = (
    "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'hygeia.settings'); "
    "django.setup(); import {module}"
)


def test_every_detection_module_imports_first_in_a_fresh_interpreter():
    assert "hygeia.privacy.detection.prepare" in MODULES and len(MODULES) > 20
    running = {
        module: subprocess.Popen(
            [sys.executable, "-c", SETUP.format(module=module)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for module in MODULES
    }
    failed = {}
    for module, process in running.items():
        _, errors = process.communicate(timeout=300)
        if process.returncode:
            failed[module] = errors.strip().splitlines()[-1:]
    assert failed == {}
