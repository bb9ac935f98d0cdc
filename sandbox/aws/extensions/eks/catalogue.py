"""What EKS offers: Kubernetes versions, the AWS add-on catalogue and the AWS-managed access policies.

The add-on versions follow the pattern of the real catalogue for Kubernetes 1.30-1.34 (kube-proxy and
coredns builds per minor version, the others spanning several), so version selection logic meets the
same shapes it meets on AWS.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# Supported minor versions, oldest first, with the platform version a new cluster starts on.
PLATFORM_VERSIONS = {"1.30": "eks.41", "1.31": "eks.37", "1.32": "eks.23", "1.33": "eks.14", "1.34": "eks.6"}
KUBERNETES_VERSIONS = tuple(PLATFORM_VERSIONS)
# EKS creates clusters on the newest-but-one version when none is asked for.
DEFAULT_KUBERNETES_VERSION = "1.33"
# Versions past standard support (EKS keeps them 12 more months in extended support); the rest are in standard support.
EXTENDED_SUPPORT_VERSIONS = ("1.30", "1.31")
# Patch level of each minor version's current node AMIs, used for nodegroup releaseVersion.
NODE_PATCH = {"1.30": "1.30.14", "1.31": "1.31.13", "1.32": "1.32.9", "1.33": "1.33.5", "1.34": "1.34.1"}
AMI_RELEASE_DATE = "20251103"


def release_version(kubernetes_version: str) -> str:
    return f"{NODE_PATCH[kubernetes_version]}-{AMI_RELEASE_DATE}"


@dataclass(frozen=True)
class AddonVersion:
    version: str
    cluster_versions: tuple[str, ...]
    default_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddonSpec:
    name: str
    type: str
    versions: tuple[AddonVersion, ...]  # newest first, as DescribeAddonVersions lists them
    requires_iam_permissions: bool
    schema_properties: tuple[str, ...]  # top-level keys of configurationValues
    service_account: str | None = None  # for pod identity / IRSA
    recommended_policies: tuple[str, ...] = ()
    namespace: str = "kube-system"  # where EKS installs it (and its pod identity associations) by default

    def version(self, addon_version: str) -> AddonVersion | None:
        return next((v for v in self.versions if v.version == addon_version), None)

    def default_version(self, cluster_version: str) -> AddonVersion | None:
        return next((v for v in self.versions if cluster_version in v.default_for), None)

    def info(self, cluster_version: str | None) -> dict:
        """The AddonInfo shape; with a cluster version only the versions compatible with it."""
        versions = []
        for candidate in self.versions:
            wanted = [v for v in candidate.cluster_versions if cluster_version in (None, v)]
            if not wanted:
                continue
            versions.append({
                "addonVersion": candidate.version,
                "architecture": ["amd64", "arm64"],
                "computeTypes": ["ec2", "hybrid"],
                "compatibilities": [{"clusterVersion": v, "platformVersions": ["*"],
                                     "defaultVersion": v in candidate.default_for} for v in wanted],
                "requiresConfiguration": False,
                "requiresIamPermissions": self.requires_iam_permissions,
            })
        return {"addonName": self.name, "type": self.type, "addonVersions": versions,
                "publisher": "eks", "owner": "aws"}

    def configuration_schema(self) -> str:
        properties = {key: {"description": f"{self.name} setting {key}"} for key in self.schema_properties}
        return json.dumps({"$schema": "http://json-schema.org/draft-06/schema#", "type": "object",
                           "additionalProperties": False, "properties": properties})

    def pod_identity_configuration(self) -> list[dict]:
        if not self.service_account or not self.recommended_policies:
            return []
        return [{"serviceAccount": self.service_account,
                 "recommendedManagedPolicies": list(self.recommended_policies)}]


ALL = KUBERNETES_VERSIONS


def _per_minor(builds: dict[str, tuple[str, str]]) -> tuple[AddonVersion, ...]:
    """Add-ons released per Kubernetes minor, from each minor's (newest, default) build, newest first.

    A build may serve several minors (coredns), so builds are merged by version string.
    """
    minors: dict[str, list[str]] = {}
    defaults: dict[str, list[str]] = {}
    for minor in reversed(KUBERNETES_VERSIONS):
        newest, default = builds[minor]
        for build in (newest, default):
            if minor not in minors.setdefault(build, []):
                minors[build].append(minor)
        defaults.setdefault(default, []).append(minor)
    ordered = sorted(minors, key=lambda build: [int(n) for n in re.findall(r"\d+", build)], reverse=True)
    return tuple(AddonVersion(build, tuple(sorted(minors[build])), tuple(sorted(defaults.get(build, []))))
                 for build in ordered)


ADDONS: dict[str, AddonSpec] = {spec.name: spec for spec in (
    AddonSpec(
        name="vpc-cni", type="networking", requires_iam_permissions=True,
        versions=(
            AddonVersion("v1.20.4-eksbuild.2", ALL, ("1.33", "1.34")),
            AddonVersion("v1.19.6-eksbuild.7", ("1.30", "1.31", "1.32", "1.33"), ("1.30", "1.31", "1.32")),
            AddonVersion("v1.18.6-eksbuild.1", ("1.30", "1.31")),
        ),
        schema_properties=("env", "init", "nodeAgent", "resources", "tolerations", "enableNetworkPolicy",
                           "enableWindowsIpam", "enableWindowsPrefixDelegation"),
        service_account="aws-node", recommended_policies=("arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",),
    ),
    AddonSpec(
        name="coredns", type="networking", requires_iam_permissions=False,
        versions=_per_minor({
            "1.30": ("v1.11.4-eksbuild.22", "v1.11.1-eksbuild.8"),
            "1.31": ("v1.11.4-eksbuild.22", "v1.11.3-eksbuild.1"),
            "1.32": ("v1.11.4-eksbuild.22", "v1.11.4-eksbuild.2"),
            "1.33": ("v1.12.4-eksbuild.1", "v1.12.1-eksbuild.2"),
            "1.34": ("v1.12.4-eksbuild.1", "v1.12.3-eksbuild.1"),
        }),
        schema_properties=("affinity", "autoScaling", "corefile", "nodeSelector", "podAnnotations",
                           "podDisruptionBudget", "podLabels", "replicaCount", "resources", "tolerations",
                           "topologySpreadConstraints"),
    ),
    AddonSpec(
        name="kube-proxy", type="networking", requires_iam_permissions=False,
        versions=_per_minor({
            "1.30": ("v1.30.14-eksbuild.8", "v1.30.0-eksbuild.3"),
            "1.31": ("v1.31.13-eksbuild.2", "v1.31.2-eksbuild.3"),
            "1.32": ("v1.32.9-eksbuild.2", "v1.32.0-eksbuild.2"),
            "1.33": ("v1.33.5-eksbuild.2", "v1.33.0-eksbuild.2"),
            "1.34": ("v1.34.1-eksbuild.2", "v1.34.0-eksbuild.2"),
        }),
        schema_properties=("ipvs", "iptables", "mode", "podAnnotations", "podLabels", "resources"),
    ),
    AddonSpec(
        name="eks-pod-identity-agent", type="security", requires_iam_permissions=False,
        versions=(
            AddonVersion("v1.3.9-eksbuild.3", ALL, ("1.32", "1.33", "1.34")),
            AddonVersion("v1.3.4-eksbuild.1", ("1.30", "1.31", "1.32"), ("1.30", "1.31")),
        ),
        schema_properties=("agent", "affinity", "resources", "tolerations", "podAnnotations", "podLabels"),
    ),
    AddonSpec(
        name="aws-ebs-csi-driver", type="storage", requires_iam_permissions=True,
        versions=(
            AddonVersion("v1.51.1-eksbuild.1", ALL, ("1.34",)),
            AddonVersion("v1.48.0-eksbuild.2", ALL, ("1.30", "1.31", "1.32", "1.33")),
            AddonVersion("v1.45.0-eksbuild.2", ("1.30", "1.31", "1.32", "1.33")),
        ),
        schema_properties=("controller", "node", "sidecars", "defaultStorageClass", "storageClasses",
                           "volumeSnapshotClasses", "fips", "a1CompatibilityDaemonSet"),
        service_account="ebs-csi-controller-sa",
        recommended_policies=("arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",),
    ),
    # Container Insights: the CloudWatch agent and Fluent Bit, in their own namespace amazon-cloudwatch.
    AddonSpec(
        name="amazon-cloudwatch-observability", type="observability", requires_iam_permissions=True,
        versions=(
            AddonVersion("v4.5.0-eksbuild.1", ALL, ("1.32", "1.33", "1.34")),
            AddonVersion("v3.6.0-eksbuild.2", ("1.30", "1.31", "1.32", "1.33"), ("1.30", "1.31")),
        ),
        schema_properties=("agent", "containerLogs", "manager", "tolerations", "dcgmExporter", "neuronMonitor",
                           "admissionWebhooks"),
        service_account="cloudwatch-agent", namespace="amazon-cloudwatch",
        recommended_policies=("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
                              "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"),
    ),
)}

ACCESS_POLICY_PREFIX = "arn:aws:eks::aws:cluster-access-policy/"
ACCESS_POLICIES = ("AmazonEKSAdminPolicy", "AmazonEKSClusterAdminPolicy", "AmazonEKSEditPolicy",
                   "AmazonEKSViewPolicy")
CLUSTER_ADMIN_POLICY = ACCESS_POLICY_PREFIX + "AmazonEKSClusterAdminPolicy"


def access_policies() -> list[dict]:
    return [{"name": name, "arn": ACCESS_POLICY_PREFIX + name} for name in ACCESS_POLICIES]
