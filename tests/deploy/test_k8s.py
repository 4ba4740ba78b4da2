"""deploy/k8s: every manifest parses, is namespace-free and fits the app's settings and server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import ENV_NAMES, SECRETS, load_settings

Manifest = dict[str, Any]
MB = 1000 * 1000
_QUANTITY = re.compile(r"^(\d+)(Ki|Mi|Gi|K|M|G)?$")
_UNITS = {None: 1, "K": 1000, "M": MB, "G": 1000 * MB, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}


def k8s_files(deploy_dir: Path) -> list[Path]:
    return sorted((deploy_dir / "k8s").glob("*.yaml"))


@pytest.fixture(scope="module")
def manifests(deploy_dir: Path) -> list[Manifest]:
    docs: list[Manifest] = []
    for path in k8s_files(deploy_dir):
        if path.name == "kustomization.yaml":
            continue
        docs.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return docs


def of_kind(manifests: list[Manifest], *kinds: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] in kinds]


def workloads(manifests: list[Manifest]) -> list[Manifest]:
    found = of_kind(manifests, "StatefulSet", "Deployment")
    assert found, "no workloads in deploy/k8s"
    return found


def container(workload: Manifest) -> dict[str, Any]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def env_of(workload: Manifest) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container(workload).get("env", [])}


def memory_bytes(quantity: str) -> int:
    match = _QUANTITY.match(str(quantity))
    assert match, f"unsupported memory quantity {quantity!r}"
    return int(match.group(1)) * _UNITS[match.group(2)]


def test_every_file_parses_and_is_namespace_free(deploy_dir: Path) -> None:
    """Each k8s file is YAML with apiVersion, kind and name, and no hard-coded namespace."""
    files = k8s_files(deploy_dir)
    assert files
    for path in files:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            assert doc["apiVersion"] and doc["kind"], path.name
            assert "namespace" not in doc.get("metadata", {}), path.name
            if doc["kind"] != "Kustomization":
                assert doc["metadata"]["name"], path.name


def test_kustomization_lists_every_manifest(deploy_dir: Path) -> None:
    """`kubectl apply -k deploy/k8s` applies every manifest in the folder."""
    kustomization = yaml.safe_load((deploy_dir / "k8s" / "kustomization.yaml").read_text())
    names = {p.name for p in k8s_files(deploy_dir)} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(names)


def test_workload_env_uses_only_real_settings(
    manifests: list[Manifest], setting_names: frozenset[str]
) -> None:
    """Every env var a workload sets is one bot/settings.py reads."""
    for workload in workloads(manifests):
        assert sorted(set(env_of(workload)) - setting_names) == [], workload["metadata"]["name"]


def test_probes_hit_healthz_on_the_metrics_port(manifests: list[Manifest]) -> None:
    """Startup, liveness and readiness probes GET /healthz on the port the server listens on."""
    for workload in workloads(manifests):
        c = container(workload)
        env = env_of(workload)
        assert env["DESKBREAK_METRICS_HOST"]["value"] == "0.0.0.0"
        port = int(env["DESKBREAK_METRICS_PORT"]["value"])
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            get = c[probe]["httpGet"]
            assert get["path"] == "/healthz", probe
            assert ports[get["port"]] == port, probe


def test_resources_fit_the_memory_target(manifests: list[Manifest]) -> None:
    """Each container requests the 300 MB target and is limited to at most twice that."""
    for workload in workloads(manifests):
        resources = container(workload)["resources"]
        request = memory_bytes(resources["requests"]["memory"])
        limit = memory_bytes(resources["limits"]["memory"])
        assert 300 * MB <= request <= limit <= 600 * MB
        assert resources["requests"]["cpu"] and resources["limits"]["cpu"]


def test_containers_run_unprivileged(manifests: list[Manifest]) -> None:
    """Pods run as the image's non-root uid with a read-only root and no capabilities."""
    for workload in workloads(manifests):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        sc = container(workload)["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["capabilities"]["drop"] == ["ALL"]


def test_secret_references_exist(manifests: list[Manifest]) -> None:
    """Every secretKeyRef and secret volume item names a key the Secret defines."""
    secrets = {s["metadata"]["name"]: set(s["stringData"]) for s in of_kind(manifests, "Secret")}
    for workload in workloads(manifests):
        for item in env_of(workload).values():
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["key"] in secrets[ref["name"]], item["name"]
        for volume in workload["spec"]["template"]["spec"]["volumes"]:
            if "secret" in volume:
                keys = {i["key"] for i in volume["secret"]["items"]}
                assert keys <= secrets[volume["secret"]["secretName"]]


def test_secret_files_are_mounted_where_settings_read_them(manifests: list[Manifest]) -> None:
    """Each *_FILE path points at an item of a secret volume mounted in the container."""
    for workload in workloads(manifests):
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
        files: set[str] = set()
        for mount in container(workload)["volumeMounts"]:
            secret = volumes[mount["name"]].get("secret")
            if secret:
                files.update(f"{mount['mountPath']}/{i['path']}" for i in secret["items"])
        wanted = {
            item["value"] for name, item in env_of(workload).items() if name.endswith("_FILE")
        }
        assert wanted, workload["metadata"]["name"]
        assert wanted <= files


def test_tokens_are_never_plain_env(manifests: list[Manifest]) -> None:
    """Tokens reach the bot as files, never as literal or secret-sourced env values."""
    for workload in workloads(manifests):
        env = env_of(workload)
        assert sorted({ENV_NAMES[name] for name in SECRETS} & set(env)) == []


def test_config_file_is_mounted_from_the_configmap(manifests: list[Manifest]) -> None:
    """DESKBREAK_CONFIG names the ConfigMap's deskbreak.yaml where it is mounted."""
    maps = {m["metadata"]["name"]: m for m in of_kind(manifests, "ConfigMap")}
    for workload in workloads(manifests):
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
        path = Path(env_of(workload)["DESKBREAK_CONFIG"]["value"])
        mount = next(m for m in container(workload)["volumeMounts"]
                     if Path(m["mountPath"]) == path.parent)
        config_map = maps[volumes[mount["name"]]["configMap"]["name"]]
        assert path.name in config_map["data"]


def test_configmap_config_loads_as_settings(manifests: list[Manifest], tmp_path: Path) -> None:
    """The ConfigMap's deskbreak.yaml is accepted by the same loader `deskbreak run` uses."""
    (config_map,) = of_kind(manifests, "ConfigMap")
    path = tmp_path / "deskbreak.yaml"
    path.write_text(config_map["data"]["deskbreak.yaml"], encoding="utf-8")
    settings = load_settings(env={}, config_path=path)
    assert settings.config_path == path


def test_discord_shards_match_replicas(manifests: list[Manifest]) -> None:
    """The Discord StatefulSet runs one shard per pod: SHARD_COUNT is the replica count and
    each pod's SHARD_IDS is its own index."""
    (statefulset,) = of_kind(manifests, "StatefulSet")
    env = env_of(statefulset)
    assert int(env["DESKBREAK_SHARD_COUNT"]["value"]) == statefulset["spec"]["replicas"]
    field = env["DESKBREAK_SHARD_IDS"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert field == "metadata.labels['apps.kubernetes.io/pod-index']"
    assert container(statefulset)["args"] == ["run", "--platform", "discord"]


def test_shard_ids_from_pod_index_parse_as_settings() -> None:
    """A pod-index label value such as "3" is a valid DESKBREAK_SHARD_IDS."""
    settings = load_settings(env={"DESKBREAK_SHARD_COUNT": "4", "DESKBREAK_SHARD_IDS": "3"})
    assert settings.shard_ids == [3]


def test_slack_runs_a_single_replica_without_overlap(manifests: list[Manifest]) -> None:
    """Slack has no shards: one replica, replaced rather than overlapped on rollout."""
    (deployment,) = of_kind(manifests, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    assert container(deployment)["args"] == ["run", "--platform", "slack"]


def test_platforms_do_not_share_a_database(manifests: list[Manifest]) -> None:
    """Discord and Slack workloads take DESKBREAK_DATABASE_URL from different Secret keys."""
    keys = [
        env_of(w)["DESKBREAK_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"]
        for w in workloads(manifests)
    ]
    assert len(keys) == len(set(keys))


def test_selectors_match_pod_labels(manifests: list[Manifest]) -> None:
    """Each workload's selector matches its own pod template labels."""
    for workload in workloads(manifests):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert workload["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_metrics_service_selects_every_workload(manifests: list[Manifest]) -> None:
    """The Service reaches each workload's pods on their named metrics port."""
    (service,) = [s for s in of_kind(manifests, "Service") if s["metadata"]["name"] == "deskbreak"]
    selector = service["spec"]["selector"].items()
    (port,) = service["spec"]["ports"]
    for workload in workloads(manifests):
        assert selector <= workload["spec"]["template"]["metadata"]["labels"].items()
        ports = {p["name"]: p["containerPort"] for p in container(workload)["ports"]}
        assert ports[port["targetPort"]] == port["port"]
    statefulset = of_kind(manifests, "StatefulSet")[0]
    assert statefulset["spec"]["serviceName"] == service["metadata"]["name"]


def test_dashboard_services_and_ingress_reach_each_workloads_dashboard(
        manifests: list[Manifest]) -> None:
    """Each dashboard Service selects one workload's pods on the port its dashboard listens on,
    the Ingress routes to those Services, and DESKBREAK_PUBLIC_URL is the Ingress host."""
    services = {s["metadata"]["name"]: s for s in of_kind(manifests, "Service")}
    (ingress,) = of_kind(manifests, "Ingress")
    hosts = {}
    for rule in ingress["spec"]["rules"]:
        (path,) = rule["http"]["paths"]
        hosts[path["backend"]["service"]["name"]] = rule["host"]
    assert set(hosts) <= set(services)
    for workload in workloads(manifests):
        labels = workload["spec"]["template"]["metadata"]["labels"].items()
        env = env_of(workload)
        assert env["DESKBREAK_WEB_HOST"]["value"] == "0.0.0.0"
        ports = {p["name"]: p["containerPort"] for p in container(workload)["ports"]}
        assert ports["dashboard"] == int(env["DESKBREAK_WEB_PORT"]["value"])
        (name,) = [n for n in hosts if services[n]["spec"]["selector"].items() <= labels]
        assert services[name]["spec"]["ports"][0]["targetPort"] == "dashboard"
        assert env["DESKBREAK_PUBLIC_URL"]["value"] == f"https://{hosts[name]}"
