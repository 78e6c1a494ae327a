"""The deployment files agree with each other and with the code: valid YAML, the keys Dagster's Helm chart reads,
the same queue rules everywhere, the tag the queue limits is the tag Dagster puts on a partnership's runs."""

from __future__ import annotations

import dagster as dg
import yaml

from pipeline.lib.paths import PROJECT_ROOT
from pipeline.regional import definitions as regional

DEPLOY = PROJECT_ROOT / "deploy"


def _yaml(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def test_instance_files_share_storage_and_queue_rules():
    local, k8s = _yaml("dagster.yaml"), _yaml("kubernetes/dagster.yaml")
    assert local["storage"] == k8s["storage"]
    assert set(local["storage"]["postgres"]["postgres_db"]) >= {"hostname", "port", "username", "password", "db_name"}
    for instance in (local, k8s):
        assert instance["run_coordinator"]["class"] == "QueuedRunCoordinator"
    lc, kc = local["run_coordinator"]["config"], k8s["run_coordinator"]["config"]
    assert lc["max_concurrent_runs"] == kc["max_concurrent_runs"] == 2
    assert lc["tag_concurrency_limits"] == kc["tag_concurrency_limits"]
    assert k8s["run_launcher"]["class"] == "K8sRunLauncher" and k8s["run_launcher"]["module"] == "dagster_k8s"


def test_helm_values_have_the_charts_keys_and_the_same_rules():
    values, local = _yaml("helm/values.yaml"), _yaml("dagster.yaml")
    assert set(values) >= {"dagsterWebserver", "dagster-user-deployments", "runLauncher", "postgresql", "dagsterDaemon"}
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert {"name", "image", "dagsterApiGrpcArgs", "port"} <= set(deployment)
    assert deployment["dagsterApiGrpcArgs"][:2] == ["--module-name", "pipeline.regional.definitions"]
    assert {"repository", "tag", "pullPolicy"} <= set(deployment["image"])
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False and values["postgresql"]["postgresqlHost"]
    queue = values["dagsterDaemon"]["runCoordinator"]
    assert queue["type"] == "QueuedRunCoordinator"
    config = queue["config"]["queuedRunCoordinator"]
    rules = local["run_coordinator"]["config"]
    assert config["maxConcurrentRuns"] == rules["max_concurrent_runs"]
    [limit] = config["tagConcurrencyLimits"]
    [same] = rules["tag_concurrency_limits"]
    assert (limit["key"], limit["limit"], limit["value"]) == (same["key"], same["limit"], same["value"])
    env = {e["name"] for e in deployment["env"]}
    assert regional.DATA_DIR_ENV in env
    assert f"{regional.DATA_DIR_ENV}=/data/hub" in values["runLauncher"]["config"]["k8sRunLauncher"]["envVars"]


def test_the_limited_tag_is_the_one_dagster_puts_on_a_partnership_run():
    key = dg.MultiPartitionKey({"partnership": "dudley", "quarter": "2022-23-Q1"})
    tags = regional.partnership_quarters.get_tags_for_partition_key(key)
    assert tags[regional.PARTNERSHIP_TAG] == "dudley"
    assert _yaml("dagster.yaml")["run_coordinator"]["config"]["tag_concurrency_limits"][0]["key"] == regional.PARTNERSHIP_TAG


def test_workspace_names_the_regional_module():
    [location] = _yaml("workspace.yaml")["load_from"]
    assert location["python_module"]["module_name"] == "pipeline.regional.definitions"
