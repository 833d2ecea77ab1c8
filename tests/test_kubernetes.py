"""deploy/kubernetes/: every manifest valid against Kubernetes' own schemas (offline, with
kubernetes-validate), and the shape docs/deployment.md promises — web with an autoscaler and
probes, a worker Deployment per queue of the settings, one beat, a migration Job,
configuration from the ConfigMap and the Secret."""

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
KUSTOMIZE = ROOT / "deploy" / "kubernetes"
# The oldest Kubernetes release the manifests are meant for (HPA autoscaling/v2,
# policy/v1, Job TTLs are all older), and the newest the package knows.
KUBERNETES_VERSION = "1.29.0"
VERSIONS = [KUBERNETES_VERSION, kubernetes_validate.latest_version()]
CONFIG_NAME = "lectern-config"
SECRET_NAME = "lectern-secrets"


@pytest.fixture(scope="module")
def kustomization() -> dict:
    return yaml.safe_load((KUSTOMIZE / "kustomization.yaml").read_text())


@pytest.fixture(scope="module")
def manifests(kustomization) -> list[dict]:
    documents = []
    for resource in kustomization["resources"]:
        documents.extend(
            doc for doc in yaml.safe_load_all((KUSTOMIZE / resource).read_text()) if doc
        )
    return documents


def _find(manifests, kind: str, name: str) -> dict:
    found = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _deployments(manifests) -> dict[str, dict]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Deployment"}


def _pod_specs(manifests) -> dict[str, dict]:
    return {
        f"{m['kind']}/{m['metadata']['name']}": m["spec"]["template"]["spec"]
        for m in manifests
        if m["kind"] in ("Deployment", "Job")
    }


def _env_file(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_for_kubernetes(manifests, version):
    assert manifests
    for manifest in manifests:
        kubernetes_validate.validate(manifest, version, strict=True)


def test_the_validation_can_fail():
    wrong = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"replicas": "two", "selector": {}, "template": {}},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, KUBERNETES_VERSION, strict=True)


def test_configuration_comes_from_the_configmap_and_the_secret_generators(kustomization):
    (config,) = kustomization["configMapGenerator"]
    (secret,) = kustomization["secretGenerator"]
    assert config["name"] == CONFIG_NAME and secret["name"] == SECRET_NAME
    for env_file in config["envs"]:
        assert (KUSTOMIZE / env_file).exists()
    # The Secret's file is the operator's own: an example is committed, the file ignored.
    assert secret["envs"] == ["secret.env"]
    assert (KUSTOMIZE / "secret.env.example").exists()
    assert "secret.env" in (KUSTOMIZE / ".gitignore").read_text().split()
    secrets = _env_file(KUSTOMIZE / "secret.env.example")
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "AWS_SECRET_ACCESS_KEY"} <= set(secrets)
    assert "SECRET_KEY" not in _env_file(KUSTOMIZE / "config.env")


def test_every_variable_given_to_the_pods_is_documented_in_env_example():
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M)
    )
    given = set(_env_file(KUSTOMIZE / "config.env")) | set(
        _env_file(KUSTOMIZE / "secret.env.example")
    )
    assert given - documented == set()


def test_every_pod_reads_the_configmap_and_the_secret(manifests):
    for name, spec in _pod_specs(manifests).items():
        for container in spec["containers"]:
            sources = container.get("envFrom", [])
            assert {"configMapRef": {"name": CONFIG_NAME}} in sources, name
            assert {"secretRef": {"name": SECRET_NAME}} in sources, name
            assert container["image"] == "lectern", name  # kustomize's images: sets the tag
        assert spec["securityContext"]["runAsNonRoot"] is True, name


def test_web_is_probed_served_and_autoscaled(manifests):
    web = _find(manifests, "Deployment", "lectern-web")
    (container,) = web["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    # Django answers 400 to a Host it does not serve: the probes send an allowed one.
    allowed = _env_file(KUSTOMIZE / "config.env")["ALLOWED_HOSTS"].split(",")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        headers = {h["name"]: h["value"] for h in container[probe]["httpGet"]["httpHeaders"]}
        assert headers["Host"] in allowed, probe
    multiproc = {e["name"]: e["value"] for e in container["env"]}["PROMETHEUS_MULTIPROC_DIR"]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert multiproc in mounts  # an emptyDir of the pod's own
    labels = web["spec"]["template"]["metadata"]["labels"]
    service = _find(manifests, "Service", "lectern-web")
    assert service["spec"]["selector"].items() <= labels.items()
    hpa = _find(manifests, "HorizontalPodAutoscaler", "lectern-web")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "lectern-web",
    }
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


def _command(deployment: dict) -> list[str]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container.get("command", [])


def test_there_is_one_worker_deployment_per_queue_of_the_settings(manifests):
    declared = sorted(queue.name for queue in settings.CELERY_TASK_QUEUES)
    consumed = []
    for name, deployment in _deployments(manifests).items():
        command = _command(deployment)
        if command[:4] != ["celery", "-A", "config", "worker"]:
            continue
        queues = [a.split("=", 1)[1] for a in command if a.startswith("--queues=")]
        assert len(queues) == 1, f"{name}: one --queues= argument"
        consumed.extend(queues[0].split(","))
        # The liveness probe pings this very worker.
        hostname = next(a.split("=", 1)[1] for a in command if a.startswith("--hostname="))
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        probe = " ".join(container["livenessProbe"]["exec"]["command"])
        assert f"{hostname.split('@')[0]}@$HOSTNAME" in probe, name
    assert sorted(consumed) == declared


def test_beat_runs_exactly_once_even_during_an_upgrade(manifests):
    beats = [
        d
        for d in _deployments(manifests).values()
        if _command(d)[:4] == ["celery", "-A", "config", "beat"]
    ]
    assert len(beats) == 1
    (beat,) = beats
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    autoscaled = {
        m["spec"]["scaleTargetRef"]["name"]
        for m in manifests
        if m["kind"] == "HorizontalPodAutoscaler"
    }
    assert beat["metadata"]["name"] not in autoscaled


def test_a_job_runs_the_migrations(manifests):
    jobs = [m for m in manifests if m["kind"] == "Job"]
    assert len(jobs) == 1
    (container,) = jobs[0]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert jobs[0]["spec"]["template"]["spec"]["restartPolicy"] == "Never"
