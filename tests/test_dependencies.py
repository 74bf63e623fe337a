"""Every third-party module Hygeia imports is a declared dependency, locked in base.lock.

`make test` installs the development lock on top of the base one, so a module that only a
development tool pulls in would import fine here and fail on a user's machine (`make demo`
installs base.lock alone). These tests read the imports from the source instead.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hygeia"

# Declared dependencies that no `import` statement names, and what uses them.
USED_WITHOUT_IMPORT = {
    "argon2-cffi": "Django's Argon2PasswordHasher (PASSWORD_HASHERS)",
    "psycopg": "Django's PostgreSQL backend (DATABASE_URL=postgres://...)",
    "whitenoise": "MIDDLEWARE and INSTALLED_APPS in hygeia/settings.py",
    "setuptools": "the editable install without build isolation (make demo)",
}


def imported_modules(root: Path) -> dict[str, set[str]]:
    """Top-level module -> files importing it, for every absolute import under `root`
    (imports inside functions included: they run too)."""
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(root)))
    return found


def third_party(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        name: files
        for name, files in modules.items()
        if name not in sys.stdlib_module_names and name not in ("hygeia", "__future__")
    }


def declared() -> tuple[set[str], set[str]]:
    """(required, optional) distribution names from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    optional = {
        canonicalize_name(Requirement(r).name)
        for extra in project.get("optional-dependencies", {}).values()
        for r in extra
    }
    return required, optional


def requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith(("-", "\\")):
            names.add(canonicalize_name(Requirement(line.rstrip(" \\")).name))
    return names


def locked(path: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", path.read_text(encoding="utf-8"), re.M)
    return {canonicalize_name(name): version for name, version in pins}


def distributions_of(module: str) -> set[str]:
    return {
        canonicalize_name(d) for d in importlib.metadata.packages_distributions().get(module, [])
    }


def test_every_imported_module_is_declared():
    required, optional = declared()
    undeclared = {}
    for module, files in third_party(imported_modules(PACKAGE)).items():
        dists = distributions_of(module)
        if not dists:
            undeclared[module] = f"not installed here either (imported by {sorted(files)[0]})"
        elif not dists & (required | optional):
            undeclared[module] = f"{'/'.join(sorted(dists))}, imported by {sorted(files)}"
    assert not undeclared, f"add to pyproject.toml and requirements/base.in: {undeclared}"


def test_every_declared_dependency_is_used():
    required, _ = declared()
    imported = set()
    for module in third_party(imported_modules(PACKAGE)):
        imported |= distributions_of(module)
    unused = required - imported - {canonicalize_name(n) for n in USED_WITHOUT_IMPORT}
    assert not unused, f"declared but never imported (or say why in USED_WITHOUT_IMPORT): {unused}"


def test_the_base_lock_pins_what_pyproject_declares():
    required, _ = declared()
    base_in = requirement_names(ROOT / "requirements" / "base.in")
    assert base_in - {"setuptools"} == required, "requirements/base.in and pyproject.toml differ"
    pins = locked(ROOT / "requirements" / "base.lock")
    assert required <= set(pins), f"not in base.lock (run `make lock`): {required - set(pins)}"


def test_the_dev_lock_agrees_with_the_base_lock():
    """dev.lock is installed on top of base.lock: a different pin would change the runtime
    that the tests see."""
    base, dev = (
        locked(ROOT / "requirements" / "base.lock"),
        locked(ROOT / "requirements" / "dev.lock"),
    )
    assert {n: (v, dev[n]) for n, v in base.items() if n in dev and dev[n] != v} == {}


def test_the_import_reader_sees_a_missing_module(tmp_path):
    """The check itself can fail: an import of an undeclared module is reported."""
    (tmp_path / "module.py").write_text(
        "import os\nfrom packaging.version import Version\n\ndef later():\n    import yaml\n"
    )
    modules = third_party(imported_modules(tmp_path))
    assert set(modules) == {"packaging", "yaml"}
