# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Modules that manage ECR repositories (argument_specs.ECR_REGISTRY_ID).
    DOCUMENTATION = r"""
options:
  registry_id:
    description: AWS account id of the registry that holds the repositories; the caller's account when omitted.
    type: str
"""
