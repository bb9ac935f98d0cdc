"""eks_cluster's orchestration with a fake EKS client: call order, check mode, refusals before mutating.

The fakes stand in for AWS (boto3 client) and Ansible (the module object); the code under test is the
collection's own ClusterRunner, unmocked.
"""

import copy

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils.eks_cluster import ClusterRunner

READS = ("describe_cluster", "describe_update")


class Exited(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


class FakeEks:
    """Applies updates at once and reports them Successful: enough EKS for sequencing checks."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.calls = []
        self.updates = {}

    def _record(self, name, kwargs):
        kwargs.pop("aws_retry", None)
        self.calls.append((name, kwargs))

    def _update(self, kind):
        update_id = f"u{len(self.updates) + 1}"
        self.updates[update_id] = {"id": update_id, "type": kind, "status": "Successful"}
        return {"update": dict(self.updates[update_id], status="InProgress")}

    def describe_cluster(self, **kwargs):
        self._record("describe_cluster", kwargs)
        return {"cluster": copy.deepcopy(self.cluster)}

    def describe_update(self, **kwargs):
        self._record("describe_update", kwargs)
        return {"update": self.updates[kwargs["updateId"]]}

    def update_cluster_config(self, **kwargs):
        self._record("update_cluster_config", kwargs)
        if "logging" in kwargs:
            self.cluster["logging"] = kwargs["logging"]
        return self._update("ConfigUpdate")

    def update_cluster_version(self, **kwargs):
        self._record("update_cluster_version", kwargs)
        self.cluster["version"] = kwargs["version"]
        return self._update("VersionUpdate")

    def tag_resource(self, **kwargs):
        self._record("tag_resource", kwargs)
        self.cluster["tags"].update(kwargs["tags"])

    def untag_resource(self, **kwargs):
        self._record("untag_resource", kwargs)
        for key in kwargs["tagKeys"]:
            self.cluster["tags"].pop(key)

    def mutating(self):
        return [name for name, dummy in self.calls if name not in READS]


class FakeModule:
    def __init__(self, client, check_mode=False, **params):
        self.eks = client
        self.check_mode = check_mode
        self._diff = True
        self.params = dict(
            name="shop",
            state="present",
            version=None,
            role_arn=None,
            subnets=None,
            security_groups=None,
            endpoint_public_access=None,
            endpoint_private_access=None,
            public_access_cidrs=None,
            enabled_log_types=None,
            encryption_key_arn=None,
            authentication_mode=None,
            bootstrap_cluster_creator_admin_permissions=None,
            support_type=None,
            kubernetes_network_config=None,
            tags=None,
            purge_tags=True,
            wait=True,
            wait_timeout=60,
        )
        self.params.update(params)

    def client(self, service, retry_decorator=None):
        assert service == "eks"
        return self.eks

    def exit_json(self, **result):
        raise Exited(result)

    def fail_json(self, **result):
        raise Exited(dict(result, failed=True))

    def fail_json_aws(self, exception, msg):
        raise Exited({"failed": True, "msg": f"{msg}: {exception}"})


def cluster():
    return {
        "name": "shop",
        "arn": "arn:aws:eks:us-east-1:123456789012:cluster/shop",
        "status": "ACTIVE",
        "version": "1.30",
        "roleArn": "arn:aws:iam::123456789012:role/cluster",
        "resourcesVpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": [], "endpointPublicAccess": True, "endpointPrivateAccess": False},
        "logging": {"clusterLogging": [{"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"], "enabled": False}]},
        "tags": {"old": "1"},
    }


def present(fake, **kwargs):
    with pytest.raises(Exited) as exited:
        ClusterRunner(FakeModule(fake, **kwargs)).present()
    return exited.value.result


def test_each_change_is_its_own_call_followed_to_completion():
    fake = FakeEks(cluster())
    result = present(fake, version="1.31", enabled_log_types=["api"], tags={"new": "2"})
    assert result["changed"] is True
    assert fake.mutating() == ["untag_resource", "tag_resource", "update_cluster_config", "update_cluster_version"]
    names = [name for name, dummy in fake.calls]
    # The logging update is followed (describe_update) before the version update starts.
    assert names.index("describe_update") < names.index("update_cluster_version")
    assert [u["kind"] for u in result["updates"]] == ["logging", "version"]
    assert result["version"] == "1.31" and result["tags"] == {"new": "2"}


def test_check_mode_reports_the_plan_without_mutating():
    fake = FakeEks(cluster())
    result = present(fake, check_mode=True, version="1.31", enabled_log_types=["api"], tags={"new": "2"})
    assert result["changed"] is True
    assert fake.mutating() == []
    assert [u["kind"] for u in result["updates"]] == ["logging", "version"]
    assert result["diff"]["after"]["version"] == "1.31"


def test_no_change_reads_only():
    fake = FakeEks(cluster())
    result = present(fake, version="1.30", enabled_log_types=[], tags={"old": "1"})
    assert result["changed"] is False
    assert fake.mutating() == []


def test_version_skip_fails_before_any_mutating_call():
    fake = FakeEks(cluster())
    result = present(fake, version="1.32", enabled_log_types=["api"], tags={"new": "2"})
    assert result["failed"] is True
    assert "one minor version at a time" in result["msg"]
    assert fake.mutating() == []
