# Copyright: eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Platform tests shared by the roles: ``platform_name`` and ``dns_name`` (documentation in <name>.yml)."""

from __future__ import annotations

import re

# docs/architecture.md: platform_name is a DNS-1123 label of at most 24 characters (it prefixes resource names
# with their own limits, such as 64 characters of an IAM role name).
PLATFORM_NAME_MAX_LENGTH = 24
DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# A host or domain name an Ingress, Route53 or ACM accepts: lowercase labels of at most 63 characters, at least two,
# the last one (the top-level domain) letters only, 253 characters in all.
DNS_NAME = re.compile(r"([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
DNS_NAME_MAX_LENGTH = 253


def platform_name(value):
    """Whether value is a valid platform_name."""
    return (isinstance(value, str) and len(value) <= PLATFORM_NAME_MAX_LENGTH
            and DNS1123_LABEL.fullmatch(value) is not None)


def dns_name(value):
    """Whether value is a lowercase DNS name such as shop.example.com."""
    return (isinstance(value, str) and len(value) <= DNS_NAME_MAX_LENGTH
            and DNS_NAME.fullmatch(value) is not None)


class TestModule:
    """Checks of platform inputs."""

    def tests(self):
        return {"platform_name": platform_name, "dns_name": dns_name}
