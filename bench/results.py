"""Writes results.json and its markdown rendering, RESULTS.md, side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.report import render

JSON_NAME = "results.json"
MARKDOWN_NAME = "RESULTS.md"


def write_results(results: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = out_dir / JSON_NAME, out_dir / MARKDOWN_NAME
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown_path.write_text(render(results), encoding="utf-8")
    return json_path, markdown_path


def read_results(path: Path) -> dict[str, Any]:
    results: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return results
