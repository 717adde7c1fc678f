"""What keeps the app safe on an office network: paths stay in the results folder; uploads and passwords.

Uploads are written (at most one byte past the CLI's size limit) under the results folder and
read by the CLI's own loader, so the same limits and the same one-line messages apply.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path

import yaml

from simulator.report.i18n import t
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.limits import MAX_FILE_BYTES

__all__ = ["APP_DIR", "check_password", "inside", "save_upload", "upload_dir"]

#: The app's own files (uploads, changed scenarios, jobs) inside the results folder.
APP_DIR = ".app"
_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def inside(root: Path, path: str | Path, lang: str = "en", origin: str = "") -> Path:
    """``path`` (relative to ``root`` unless absolute), resolved; :class:`ScenarioError` if it leaves ``root``."""
    base = root.resolve()
    resolved = (base / path).resolve()
    if not resolved.is_relative_to(base):
        message = t("app.error.path", lang, path=str(path), root=str(base))
        raise ScenarioError([Issue(origin or str(path), None, "", message.split(": ", 1)[1])])
    return resolved


def upload_dir(root: Path) -> Path:
    """The folder of uploaded and changed scenarios (created)."""
    folder = inside(root, f"{APP_DIR}/scenarios")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(root: Path, name: str, data: bytes, shipped: Path) -> Path:
    """Write an upload under the results folder and return its path, refusing an ``extends`` outside it.

    Only the first ``MAX_FILE_BYTES + 1`` bytes are written: the loader then refuses a larger
    file with the CLI's message. ``extends`` may name only a shipped scenario (a file in
    ``shipped``), which is then written as its full path; anything else is refused with one line.
    """
    digest = hashlib.sha256(data).hexdigest()[:12]
    stem = _NAME.sub("_", Path(name).name) or "upload.yaml"
    folder = upload_dir(root) / digest
    folder.mkdir(exist_ok=True)
    path = folder / stem
    head = data[: MAX_FILE_BYTES + 1]
    node = _extends_node(head)
    if node is not None:
        text = head.decode("utf-8")
        target = (shipped / str(node.value)).resolve()
        if not (target.is_relative_to(shipped.resolve()) and target.is_file()):
            line = node.start_mark.line + 1
            raise ScenarioError([Issue(name, line, "extends", f"must name a shipped scenario, got {node.value!r}")])
        start, end = node.start_mark.index, node.end_mark.index
        head = (text[:start] + json.dumps(str(target)) + text[end:]).encode("utf-8")
    path.write_bytes(head)
    return path


def _extends_node(head: bytes) -> yaml.ScalarNode | None:
    """The value node of a top-level ``extends`` key, or None (also when the text does not parse:
    the loader then reports it with the CLI's message)."""
    if len(head) > MAX_FILE_BYTES:
        return None
    try:
        root = yaml.compose(head.decode("utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "extends":
            return value if isinstance(value, yaml.ScalarNode) else None
    return None


def check_password(given: str, password_file: Path | None) -> bool:
    """True when no password is set, or ``given`` equals the file's first line (constant-time comparison)."""
    if password_file is None:
        return True
    expected = password_file.read_text(encoding="utf-8").splitlines()[0] if password_file.stat().st_size else ""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
