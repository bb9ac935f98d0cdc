# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The options eks_addon and eks_addons share beside the add-on's own (eks_addon.COMMON_OPTIONS), with
    # eksforge.platform.eks, amazon.aws.tags and eksforge.platform.wait. List it before eksforge.platform.wait:
    # the first fragment that documents an option wins, and add-ons wait 900 seconds, not the fragment's 1800.
    DOCUMENTATION = r"""
options:
  kubernetes_version:
    description:
      - The Kubernetes version the cluster runs, or will run once the same play has created or upgraded it, as a
        quoted string such as V('1.33'). The add-on versions are resolved for it.
      - In check mode it is used even when the cluster does not exist yet or still runs another version, so a
        plan made before the cluster's creation or upgrade reports the add-on versions that would be installed,
        and an unknown add-on or version fails there too.
      - Outside check mode the cluster must exist and run this version; a different one fails before any call
        that mutates. When omitted, the cluster's own version is used (and check mode on a missing cluster fails).
    type: str
  wait_timeout:
    description: Seconds to wait for each asynchronous step.
    type: int
    default: 900
notes:
  - With O(wait=true), an add-on that turns C(DEGRADED) or C(CREATE_FAILED)/C(UPDATE_FAILED) fails the task, as botocore's
    C(addon_active) waiter does. Add-ons whose pods need nodes (coredns, for example) stay C(DEGRADED) until a nodegroup
    exists, so install them after the nodegroups, or with O(wait=false).
"""
