"""The documentation matches the code."""

from __future__ import annotations

from pathlib import Path

from hygeia.config import SETTINGS
from hygeia.core.roles import catalog

ROOT = Path(__file__).resolve().parents[1]


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    missing = [s.name for s in SETTINGS if f"| `{s.name}` |" not in readme]
    assert not missing


def test_security_doc_permission_table_matches_the_roles_file():
    lines = (ROOT / "docs" / "security.md").read_text().splitlines()
    header = next(line for line in lines if line.startswith("| Role | MFA by default |"))
    columns = [c.strip().strip("`") for c in header.strip("|").split("|")][2:]
    permissions, roles = catalog()
    assert columns == list(permissions)
    for role in roles:
        row = next(line for line in lines if line.startswith(f"| {role.name} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        granted = {code for code, cell in zip(columns, cells[2:], strict=True) if cell == "✓"}
        assert granted == set(role.permissions), role.name
        assert cells[1] == ("required" if role.mfa_required else "optional"), role.name


def test_docs_exist():
    for name in ("architecture.md", "security.md"):
        assert (ROOT / "docs" / name).stat().st_size > 1000
    assert len(list((ROOT / "docs" / "adr").glob("0*.md"))) >= 4


def test_detection_doc_lists_every_detector():
    from hygeia.privacy.detection.detectors import DETECTORS

    text = (ROOT / "docs" / "detection.md").read_text()
    assert not [d for d in DETECTORS if f"| `{d}` |" not in text]
