# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Modules that manage something inside an EKS cluster (argument_specs.EKS_CLUSTER_NAME).
    DOCUMENTATION = r"""
options:
  cluster_name:
    description: Name of the EKS cluster.
    required: true
    type: str
"""
