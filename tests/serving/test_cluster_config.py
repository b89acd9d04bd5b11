"""The deployment files validate against Ray's own schemas (no Ray is started): the Serve
configs, the cluster-launcher config and the Prometheus alert rules."""

import copy
import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.boot import OFFLINE_SWITCHES
from serving.app import APP_NAME, PROCTOR_APP_NAME
from serving.settings import ServingSettings

ROOT = Path(__file__).resolve().parents[2]
SERVE_CONFIGS = [ROOT / "serving" / "serve_config.yaml", ROOT / "serving" / "serve_config.gpu.yaml"]
CLUSTER_CONFIG = ROOT / "ray_cluster.yaml"
ALERTS = ROOT / "serving" / "alerts.yml"
METRIC_NAME = re.compile(r"\bray_(serve|vllm)_[a-z_]+\b")
# Identifiers in an expression that are PromQL, not metrics.
PROMQL_WORDS = {
    "sum",
    "by",
    "rate",
    "histogram_quantile",
    "le",
    "application",
    "deployment",
    "status_code",
}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(params=SERVE_CONFIGS, ids=lambda path: path.name)
def serve_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load_yaml(request.param)


def test_serve_config_validates_against_ray_schema(serve_config: dict[str, Any]) -> None:
    from ray.serve.schema import HTTPOptionsSchema, ServeDeploySchema

    schema = ServeDeploySchema.model_validate(serve_config)

    # Both schemas accept unknown keys (forward compatibility): catch typos here instead.
    assert set(serve_config) <= set(ServeDeploySchema.model_fields)
    assert set(serve_config["http_options"]) <= set(HTTPOptionsSchema.model_fields)
    assert schema.http_options.port == 8001
    # The proctor is an application of its own, without an HTTP route (serving.app).
    routes = [(app.name, app.route_prefix) for app in schema.applications]
    assert routes == [(APP_NAME, "/"), (PROCTOR_APP_NAME, None)]


def test_serve_config_import_paths_are_the_app_builders(serve_config: dict[str, Any]) -> None:
    builders = []
    for app in serve_config["applications"]:
        module_name, _, attribute = app["import_path"].partition(":")
        builder = getattr(importlib.import_module(module_name), attribute)
        assert callable(builder)
        builders.append(f"{builder.__module__}:{builder.__name__}")

    assert builders == ["serving.app:build_app", "serving.app:build_proctor_app"]


def test_serve_config_args_are_serving_settings(serve_config: dict[str, Any]) -> None:
    for app in serve_config["applications"]:
        assert set(app["args"]) <= set(ServingSettings.model_fields)
        # Valid values too (types, bounds, cpu|gpu), without reading this machine's WC_* variables.
        ServingSettings.model_validate(app["args"])


def test_serve_config_carries_the_offline_switches(serve_config: dict[str, Any]) -> None:
    for app in serve_config["applications"]:
        assert app["runtime_env"]["env_vars"] == OFFLINE_SWITCHES


def test_gpu_serve_config_scales_gpu_replicas() -> None:
    app, _ = load_yaml(ROOT / "serving" / "serve_config.gpu.yaml")["applications"]
    settings = ServingSettings.model_validate(app["args"])

    assert settings.accelerator == "gpu"
    assert (settings.min_replicas, settings.max_replicas) == (1, 4)


def test_cluster_config_validates_against_ray_schema() -> None:
    from ray.autoscaler._private.util import prepare_config, validate_config

    config = load_yaml(CLUSTER_CONFIG)

    # What `ray up` does before it talks to the provider: fill in the provider's defaults, then
    # check against ray/autoscaler/ray-schema.json and the node-type rules.
    validate_config(prepare_config(copy.deepcopy(config)))


def test_cluster_config_node_groups_and_serve_deploy() -> None:
    config = load_yaml(CLUSTER_CONFIG)
    node_types = config["available_node_types"]
    workers = [node for name, node in node_types.items() if name != config["head_node_type"]]

    assert any(node["resources"].get("GPU", 0) >= 1 for node in workers)
    assert any(
        node["resources"].get("CPU", 0) >= 1 and "GPU" not in node["resources"] for node in workers
    )
    start_commands = config["head_start_ray_commands"] + config["worker_start_ray_commands"]
    for command in (c for c in start_commands if "ray start" in c):
        assert "RAY_USAGE_STATS_ENABLED=0" in command
    assert "serve deploy" in config["head_start_ray_commands"][-1]
    assert "serving/serve_config.gpu.yaml" in config["head_start_ray_commands"][-1]


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(ALERTS)["groups"] for rule in group["rules"]]


def test_alert_rules_pass_promtool() -> None:
    # `make test` puts Debian's promtool beside the interpreter (scripts/ensure-promtool.sh).
    promtool = shutil.which("promtool") or shutil.which(
        "promtool", path=str(Path(sys.executable).parent)
    )
    if promtool is None:
        pytest.skip("promtool is not installed; the structural checks below still run")
    result = subprocess.run(
        [promtool, "check", "rules", str(ALERTS)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_structure() -> None:
    rules = alert_rules()

    assert rules
    for rule in rules:
        assert {"alert", "expr", "for", "labels", "annotations"} <= set(rule), rule
        assert rule["labels"]["severity"], rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert_plausible_promql(rule["expr"])


def assert_plausible_promql(expr: str) -> None:
    depth = 0
    for char in expr:
        depth += {"(": 1, ")": -1}.get(char, 0)
        assert depth >= 0, f"unbalanced parentheses: {expr}"
    assert depth == 0, f"unbalanced parentheses: {expr}"
    assert expr.count("{") == expr.count("}"), expr
    assert expr.count("[") == expr.count("]"), expr
    assert METRIC_NAME.search(expr), f"no ray_serve_*/ray_vllm_* metric: {expr}"
    # Every other identifier followed by `{` or standing alone as a metric must be a Ray one.
    selectors = re.findall(r"\b([a-z_:][a-z0-9_:]*)\s*\{", expr)
    for name in selectors:
        assert name in PROMQL_WORDS or METRIC_NAME.fullmatch(name), name


def test_tutor_latency_rule_matches_the_design() -> None:
    [rule] = [
        rule for rule in alert_rules() if "ray_serve_http_request_latency_ms_bucket" in rule["expr"]
    ]

    assert rule["for"] == "2m"
    assert "histogram_quantile(0.95" in rule["expr"]
    assert 'application="water-classroom"' in rule["expr"]
    assert re.search(r">\s*3000\s*$", rule["expr"])
