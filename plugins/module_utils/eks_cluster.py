# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decision logic and orchestration of eksforge.platform.eks_cluster."""

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import get_ec2_security_group_ids_from_names

from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksPlanError
from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksResourceRunner
from ansible_collections.eksforge.platform.plugins.module_utils.eks import call
from ansible_collections.eksforge.platform.plugins.module_utils.eks import describe_or_none
from ansible_collections.eksforge.platform.plugins.module_utils.eks import described
from ansible_collections.eksforge.platform.plugins.module_utils.eks import eks_client
from ansible_collections.eksforge.platform.plugins.module_utils.eks import fail_on_immutable
from ansible_collections.eksforge.platform.plugins.module_utils.eks import merge_view
from ansible_collections.eksforge.platform.plugins.module_utils.eks import paginate
from ansible_collections.eksforge.platform.plugins.module_utils.eks import parse_kubernetes_version
from ansible_collections.eksforge.platform.plugins.module_utils.eks import plan_version_change
from ansible_collections.eksforge.platform.plugins.module_utils.eks import sync_tags
from ansible_collections.eksforge.platform.plugins.module_utils.eks import to_snake
from ansible_collections.eksforge.platform.plugins.module_utils.eks import view_diff
from ansible_collections.eksforge.platform.plugins.module_utils.eks import wait_for_update
from ansible_collections.eksforge.platform.plugins.module_utils.retries import THROTTLING_EXCEPTION_AND_SERVER_ERRORS

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")

# AWS can't change these on an existing cluster (subnets: only within the original AZs, which this
# module doesn't try to reason about, so any change is refused up front).
IMMUTABLE_FIELDS = ("role_arn", "subnet_ids", "service_ipv4_cidr", "ip_family")

# EKS only moves authentication towards access entries: CONFIG_MAP -> API_AND_CONFIG_MAP -> API.
AUTHENTICATION_MODE_ORDER = ("CONFIG_MAP", "API_AND_CONFIG_MAP", "API")

ENDPOINT_FIELDS = (
    ("endpoint_public_access", "endpointPublicAccess"),
    ("endpoint_private_access", "endpointPrivateAccess"),
    ("public_access_cidrs", "publicAccessCidrs"),
)


def _sorted_or_none(values):
    return None if values is None else sorted(set(values))


def cluster_view(cluster):
    """The fields this module manages, from describe_cluster, in the module's vocabulary."""
    if not cluster:
        return {}
    vpc = cluster.get("resourcesVpcConfig") or {}
    network = cluster.get("kubernetesNetworkConfig") or {}
    logging_entries = (cluster.get("logging") or {}).get("clusterLogging") or []
    keys = [(entry.get("provider") or {}).get("keyArn") for entry in cluster.get("encryptionConfig") or []]
    return {
        "version": cluster.get("version"),
        "role_arn": cluster.get("roleArn"),
        "subnet_ids": sorted(vpc.get("subnetIds") or []),
        "security_group_ids": sorted(vpc.get("securityGroupIds") or []),
        "endpoint_public_access": vpc.get("endpointPublicAccess"),
        "endpoint_private_access": vpc.get("endpointPrivateAccess"),
        "public_access_cidrs": sorted(vpc.get("publicAccessCidrs") or []),
        "enabled_log_types": sorted({t for entry in logging_entries if entry.get("enabled") for t in entry.get("types") or []}),
        # "" rather than None: "no encryption" is a state, None means "not managed".
        "encryption_key_arn": next((k for k in keys if k), ""),
        "authentication_mode": (cluster.get("accessConfig") or {}).get("authenticationMode"),
        "support_type": (cluster.get("upgradePolicy") or {}).get("supportType"),
        "service_ipv4_cidr": network.get("serviceIpv4Cidr"),
        "ip_family": network.get("ipFamily"),
        "tags": cluster.get("tags") or {},
    }


def desired_cluster_view(params, security_group_ids=None):
    """The module parameters in the same vocabulary as cluster_view; None = not managed."""
    network = params.get("kubernetes_network_config") or {}
    version = params.get("version")
    if version is not None:
        parse_kubernetes_version(version)
    return {
        "version": None if version is None else str(version),
        "role_arn": params.get("role_arn"),
        "subnet_ids": _sorted_or_none(params.get("subnets")),
        "security_group_ids": _sorted_or_none(security_group_ids),
        "endpoint_public_access": params.get("endpoint_public_access"),
        "endpoint_private_access": params.get("endpoint_private_access"),
        "public_access_cidrs": _sorted_or_none(params.get("public_access_cidrs")),
        "enabled_log_types": _sorted_or_none(params.get("enabled_log_types")),
        "encryption_key_arn": params.get("encryption_key_arn"),
        "authentication_mode": params.get("authentication_mode"),
        "support_type": params.get("support_type"),
        "service_ipv4_cidr": network.get("service_ipv4_cidr"),
        "ip_family": network.get("ip_family"),
        "tags": None,
    }


def _check_endpoint_access(view):
    if view.get("endpoint_public_access") is False and view.get("endpoint_private_access") is False:
        raise EksPlanError("endpoint_public_access and endpoint_private_access can't both be false: the API server would be unreachable.")


def logging_request(enabled_types):
    enabled = sorted(set(enabled_types))
    disabled = [t for t in LOG_TYPES if t not in enabled]
    entries = []
    if enabled:
        entries.append({"types": enabled, "enabled": True})
    if disabled:
        entries.append({"types": disabled, "enabled": False})
    return {"clusterLogging": entries}


def plan_cluster_updates(current, desired):
    """The calls that bring an existing cluster (current view) to the desired view.

    Returns a list of (kind, client method name, kwargs without the cluster name), one kind of
    change per call because EKS accepts only one in a single update_cluster_config request.
    Raises EksPlanError for changes AWS can't make, before anything is changed.
    """
    fail_on_immutable(current, desired, IMMUTABLE_FIELDS, "cluster")
    _check_endpoint_access(merge_view(current, desired))
    updates = []

    want_key, have_key = desired.get("encryption_key_arn"), current.get("encryption_key_arn")
    if want_key is not None and want_key != have_key:
        if have_key:
            raise EksPlanError(
                f"Secrets encryption of an existing cluster can't be removed or moved to another KMS key (current key {have_key}, "
                f"requested {want_key or 'none'})."
            )
        updates.append(("encryption", "associate_encryption_config", {"encryptionConfig": encryption_config(want_key)}))

    if any(desired.get(field) is not None and desired[field] != current.get(field) for field, dummy in ENDPOINT_FIELDS):
        vpc = {api: desired[field] for field, api in ENDPOINT_FIELDS if desired.get(field) is not None}
        updates.append(("endpoint_access", "update_cluster_config", {"resourcesVpcConfig": vpc}))

    if desired.get("security_group_ids") is not None and desired["security_group_ids"] != current.get("security_group_ids"):
        updates.append(("security_groups", "update_cluster_config", {"resourcesVpcConfig": {"securityGroupIds": desired["security_group_ids"]}}))

    if desired.get("enabled_log_types") is not None and desired["enabled_log_types"] != current.get("enabled_log_types"):
        updates.append(("logging", "update_cluster_config", {"logging": logging_request(desired["enabled_log_types"])}))

    want_mode, have_mode = desired.get("authentication_mode"), current.get("authentication_mode")
    if want_mode is not None and want_mode != have_mode:
        if have_mode in AUTHENTICATION_MODE_ORDER and AUTHENTICATION_MODE_ORDER.index(want_mode) < AUTHENTICATION_MODE_ORDER.index(have_mode):
            raise EksPlanError(f"authentication_mode can't go back from {have_mode} to {want_mode} (EKS only allows CONFIG_MAP -> API_AND_CONFIG_MAP -> API).")
        updates.append(("access_config", "update_cluster_config", {"accessConfig": {"authenticationMode": want_mode}}))

    if desired.get("support_type") is not None and desired["support_type"] != current.get("support_type"):
        updates.append(("upgrade_policy", "update_cluster_config", {"upgradePolicy": {"supportType": desired["support_type"]}}))

    new_version = plan_version_change(current.get("version"), desired.get("version"), "cluster")
    if new_version:
        updates.append(("version", "update_cluster_version", {"version": new_version}))
    return updates


def encryption_config(key_arn):
    return [{"resources": ["secrets"], "provider": {"keyArn": key_arn}}]


def create_cluster_request(params, desired):
    """create_cluster kwargs from the module parameters and the desired view."""
    missing = [p for p in ("role_arn", "subnets") if not params.get(p)]
    if missing:
        raise EksPlanError(f"{' and '.join(missing)} required to create cluster {params['name']}.")
    _check_endpoint_access(desired)
    vpc = {"subnetIds": params["subnets"]}
    if desired.get("security_group_ids") is not None:
        vpc["securityGroupIds"] = desired["security_group_ids"]
    for field, api in ENDPOINT_FIELDS:
        if params.get(field) is not None:
            vpc[api] = params[field]
    request = {"name": params["name"], "roleArn": params["role_arn"], "resourcesVpcConfig": vpc}
    if desired.get("version"):
        request["version"] = desired["version"]
    network = {}
    if desired.get("service_ipv4_cidr"):
        network["serviceIpv4Cidr"] = desired["service_ipv4_cidr"]
    if desired.get("ip_family"):
        network["ipFamily"] = desired["ip_family"]
    if network:
        request["kubernetesNetworkConfig"] = network
    if desired.get("enabled_log_types") is not None:
        request["logging"] = logging_request(desired["enabled_log_types"])
    if desired.get("encryption_key_arn"):
        request["encryptionConfig"] = encryption_config(desired["encryption_key_arn"])
    access = {}
    if desired.get("authentication_mode"):
        access["authenticationMode"] = desired["authentication_mode"]
    if params.get("bootstrap_cluster_creator_admin_permissions") is not None:
        access["bootstrapClusterCreatorAdminPermissions"] = params["bootstrap_cluster_creator_admin_permissions"]
    if access:
        request["accessConfig"] = access
    if desired.get("support_type"):
        request["upgradePolicy"] = {"supportType": desired["support_type"]}
    if params.get("tags"):
        request["tags"] = {k: str(v) for k, v in params["tags"].items()}
    return request


def cluster_diff(current, desired, params):
    return view_diff(cluster_view(current), desired, params.get("tags"), params.get("purge_tags"))


# ---------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------


class ClusterRunner(EksResourceRunner):
    describe_operation, result_key, delete_operation = "describe_cluster", "cluster", "delete_cluster"
    create_operation = "create_cluster"

    def __init__(self, module):
        super().__init__(module)
        self.name = module.params["name"]
        self.what = f"cluster {self.name}"
        self.ids = {"name": self.name}

    def view(self, resource):
        return cluster_view(resource)

    def security_group_ids(self, cluster):
        groups = self.params.get("security_groups")
        if groups is None or all(g.startswith("sg-") for g in groups):
            return groups
        try:
            ec2 = self.module.client("ec2", retry_decorator=THROTTLING_EXCEPTION_AND_SERVER_ERRORS)
            vpc_id = (cluster or {}).get("resourcesVpcConfig", {}).get("vpcId")
            if not vpc_id and self.params.get("subnets"):
                subnets = ec2.describe_subnets(SubnetIds=[self.params["subnets"][0]], aws_retry=True)["Subnets"]
                vpc_id = subnets[0]["VpcId"]
            return get_ec2_security_group_ids_from_names(groups, ec2, vpc_id)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg="Couldn't resolve security group names to ids")

    def present(self):
        cluster = self.describe()
        request = updates = None
        try:
            desired = desired_cluster_view(self.params, self.security_group_ids(cluster))
            if cluster is None:
                request = create_cluster_request(self.params, desired)
            else:
                updates = plan_cluster_updates(cluster_view(cluster), desired)
        except EksPlanError as e:
            self.module.fail_json(msg=str(e))
        diff = cluster_diff(cluster, desired, self.params)

        if cluster is None:
            self.create(request, diff)

        if cluster.get("status") in ("DELETING", "FAILED"):
            self.module.fail_json(msg=f"Cluster {self.name} is {cluster['status']}; it can't be updated.")
        tags_changed = sync_tags(self.module, self.client, cluster["arn"], cluster.get("tags"), self.params.get("tags"), self.params["purge_tags"])
        self.exit_unless_updating(cluster, diff, [kind for kind, dummy, dummy2 in updates], tags_changed)

        applied = []
        for index, (kind, method, kwargs) in enumerate(updates):
            if cluster.get("status") != "ACTIVE":
                # EKS refuses an update while another one (or the creation) is still running.
                cluster = self.wait_active()
            name_key = "clusterName" if method == "associate_encryption_config" else "name"
            update = call(self.module, getattr(self.client, method), f"apply {kind} update to cluster {self.name}", **{name_key: self.name}, **kwargs)["update"]
            applied.append({"kind": kind, "id": update["id"], "type": update.get("type")})
            last = index == len(updates) - 1
            if not last or self.params["wait"]:
                wait_for_update(self.module, self.client, update, name=self.name)
                cluster = self.describe()
        if self.params["wait"]:
            cluster = self.wait_active()
        else:
            cluster = self.describe()
        self.exit(True, cluster, diff, updates=applied)


def run_eks_cluster_info(module):
    client = eks_client(module)
    name = module.params.get("name")
    if name:
        names = [name]
    else:
        names = paginate(module, client, "list_clusters", "clusters", "list clusters")

    def describe(cluster_name):
        return describe_or_none(module, client.describe_cluster, "cluster", f"cluster {cluster_name}", name=cluster_name)

    module.exit_json(changed=False, clusters=described(names, describe))


def run_eks_cluster_versions_info(module):
    """The Kubernetes versions EKS offers (DescribeClusterVersions), newest first, optionally only some."""
    client = eks_client(module)
    wanted = module.params.get("versions")
    versions = paginate(module, client, "describe_cluster_versions", "clusterVersions",
                        "describe the Kubernetes versions EKS offers", **({"clusterVersions": wanted} if wanted else {}))
    module.exit_json(changed=False, cluster_versions=[to_snake(version) for version in versions])
