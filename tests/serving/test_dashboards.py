"""The Grafana dashboards beside the alert rules (serving/dashboards/): one per part of the system,
every query valid PromQL (promtool parses them as recording rules) over metrics the code exports:
the platform's ``wc_*`` (prometheus_client) and Ray's ``ray_serve_*``/``ray_vllm_*`` as a real
``wc serve`` exported them (the catalogue ``ray_metrics.txt`` beside the dashboards)."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "serving" / "dashboards"
RAY_CATALOGUE = DASHBOARDS / "ray_metrics.txt"
EXPECTED = {"platform", "tutor", "serving", "proctor"}
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def dashboards() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in DASHBOARDS.glob("*.json")}


def expressions() -> list[str]:
    return [
        target["expr"]
        for board in dashboards().values()
        for panel in board["panels"]
        for target in panel["targets"]
    ]


def exported_metrics() -> set[str]:
    """Every series name the platform's registry and Ray's catalogue can produce."""
    import platform_api.app  # noqa: F401  (registers every module-level metric)

    names = set()
    for family in REGISTRY.collect():
        if family.name.startswith("wc_"):
            names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
    for line in RAY_CATALOGUE.read_text().splitlines():
        if line and not line.startswith("#"):
            names |= {line, f"{line}_bucket", f"{line}_count", f"{line}_sum"}
    return names


def metrics_in(expr: str) -> set[str]:
    """The metric names a PromQL expression selects: with strings, label matchers, ranges,
    grouping clauses and function names taken out, the identifiers left are metrics."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values may hold braces
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\b(by|without)\s*\([^)]*\)", " ", bare)
    bare = re.sub(r"\b[a-z_]+\s*\(", "(", bare)
    return set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", bare)) - {"e"}


def test_a_dashboard_per_part_of_the_system() -> None:
    boards = dashboards()
    assert set(boards) == EXPECTED
    uids = [board["uid"] for board in boards.values()]
    assert len(set(uids)) == len(uids)
    for name, board in boards.items():
        assert board["panels"], name
        ids = [panel["id"] for panel in board["panels"]]
        assert len(set(ids)) == len(ids), name
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == "${datasource}", (name, panel["title"])
            assert panel["targets"], (name, panel["title"])


def test_every_query_selects_metrics_the_code_exports() -> None:
    exported = exported_metrics()
    assert {"wc_http_requests_total", "wc_http_request_seconds_bucket"} <= exported
    for expr in expressions():
        used = metrics_in(expr)
        assert used, expr
        assert used <= exported, (expr, used - exported)


def test_the_alert_rules_select_exported_metrics_too() -> None:
    rules = yaml.safe_load((ROOT / "serving" / "alerts.yml").read_text())["groups"]
    exported = exported_metrics()
    for rule in (rule for group in rules for rule in group["rules"]):
        assert metrics_in(rule["expr"]) <= exported, rule["alert"]


def test_every_query_parses_with_promtool(tmp_path: Path) -> None:
    promtool = shutil.which("promtool") or shutil.which(
        "promtool", path=str(Path(sys.executable).parent)
    )
    if promtool is None:
        pytest.skip("promtool is not installed (scripts/ensure-promtool.sh)")
    # promtool checks PromQL in rule files: each query becomes a recording rule.
    rules = [
        {"record": f"wc_dashboard:query_{n}", "expr": expr} for n, expr in enumerate(expressions())
    ]
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
