"""What a node of an EC2 instance type offers pods: capacity (vCPUs, memory as the kubelet sees it) and
allocatable after the reservations EKS's node bootstrap makes, so that scheduling against requests is real.

Reservations follow the EKS AMIs' bootstrap: CPU 6% of the first core, 1% of the second, 0.5% of the next two,
0.25% of the rest; memory 255 MiB + 11 MiB per pod the instance's network interfaces hold (its ENI max pods),
plus the 100 MiB hard eviction threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Pods a node accepts. The VPC CNI without prefix delegation caps pods by the instance's ENIs (17 on a t3.medium);
# the sandbox uses the kubelet's default 110 (what prefix delegation allows), so that small test clusters are not
# full of pod slots before they are full of requests; the memory reservation still uses the ENI figure.
MAX_PODS = 110
_MEMORY_SEEN = 0.945  # share of an instance's nominal memory the kubelet reports as capacity (firmware, kernel)

# type -> (vCPUs, memory MiB, ENI max pods), from EC2's instance type data and the VPC CNI's eni-max-pods table.
_KNOWN = {
    "t3.micro": (2, 1024, 4), "t3.small": (2, 2048, 11), "t3.medium": (2, 4096, 17), "t3.large": (2, 8192, 35),
    "t3.xlarge": (4, 16384, 58), "t3.2xlarge": (8, 32768, 58),
    "t3a.medium": (2, 4096, 17), "t3a.large": (2, 8192, 35), "t3a.xlarge": (4, 16384, 58),
    "t4g.medium": (2, 4096, 17), "t4g.large": (2, 8192, 35), "t4g.xlarge": (4, 16384, 58),
}
_SIZES = {"medium": 1, "large": 2, "xlarge": 4}  # vCPUs of the general-purpose sizes; "<n>xlarge" is 4n
_MEMORY_PER_VCPU = {"c": 2048, "m": 4096, "r": 8192, "t": 4096, "x": 16384}  # MiB, by the family's first letter


@dataclass(frozen=True)
class Shape:
    vcpus: int
    memory_mib: int
    eni_max_pods: int
    arch: str  # "amd64" or "arm64" (Graviton families: a "g" after the generation, e.g. m7g, t4g, c6gn)

    def capacity(self) -> dict[str, str]:
        return {"cpu": str(self.vcpus), "memory": f"{int(self.memory_mib * 1024 * _MEMORY_SEEN)}Ki",
                "pods": str(MAX_PODS), "ephemeral-storage": "20959212Ki"}

    def allocatable(self) -> dict[str, str]:
        reserved_mib = 255 + 11 * self.eni_max_pods + 100
        memory_ki = int(self.memory_mib * 1024 * _MEMORY_SEEN) - reserved_mib * 1024
        return {"cpu": f"{self.vcpus * 1000 - _reserved_millicores(self.vcpus)}m", "memory": f"{memory_ki}Ki",
                "pods": str(MAX_PODS), "ephemeral-storage": "18242267924"}


def shape(instance_type: str) -> Shape:
    """The shape of a named instance type; types outside the table are derived from their name (family letter
    for memory per vCPU, size for vCPUs), and anything unparsable is treated as a t3.medium."""
    family, _, size = instance_type.partition(".")
    arch = "arm64" if re.fullmatch(r"[a-z]+\d+[a-z]*g[a-z]*", family) else "amd64"
    if instance_type in _KNOWN:
        return Shape(*_KNOWN[instance_type], arch)
    sized = re.fullmatch(r"(\d*)xlarge", size)
    vcpus = _SIZES.get(size) or (4 * int(sized.group(1) or 1) if sized else None)
    if vcpus is None or not family:
        return Shape(*_KNOWN["t3.medium"], "amd64")
    memory = _MEMORY_PER_VCPU.get(family[0], 4096) * vcpus
    return Shape(vcpus, memory, 29 if vcpus <= 2 else 58 if vcpus <= 8 else 234, arch)


def _reserved_millicores(vcpus: int) -> int:
    """EKS's kube-reserved CPU in millicores."""
    tenths = 600 + (100 if vcpus > 1 else 0) + 50 * min(max(vcpus - 2, 0), 2) + 25 * max(vcpus - 4, 0)
    return tenths // 10
