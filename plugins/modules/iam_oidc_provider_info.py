#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: iam_oidc_provider_info
short_description: List IAM OpenID Connect identity providers with their tags
version_added: 0.1.0
description:
  - Lists the IAM OpenID Connect (OIDC) identity providers of the account, each with its issuer URL, client IDs,
    thumbprints and tags, optionally only the one of an issuer URL and only those carrying given tags.
  - Finding providers by tag lets a destroy path remove the provider it made for an EKS cluster even when the
    cluster, and with it the issuer URL, is already gone.
author:
  - eksforge maintainers (@eksforge)
options:
  url:
    description:
      - Only the provider of this issuer URL. The scheme and a trailing slash are ignored, as in
        M(eksforge.platform.iam_oidc_provider).
      - When omitted, every provider of the account is listed.
    type: str
    aliases: [issuer, issuer_url]
  tags:
    description:
      - Only providers that carry every one of these tags with the same value.
      - IAM can't filter providers by tag, so the tags of each provider are read (one call per provider).
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - IAM is a global service; O(region) only selects the endpoint used for the calls.
"""

EXAMPLES = r"""
- name: The OIDC providers a platform made for its EKS cluster
  eksforge.platform.iam_oidc_provider_info:
    tags:
      "eksforge:platform": shop-dev
      "eksforge:eks-cluster": shop-dev
  register: owned

- name: Delete them
  eksforge.platform.iam_oidc_provider:
    url: "{{ item.url }}"
    state: absent
  loop: "{{ owned.oidc_providers }}"

- name: The provider of one issuer
  eksforge.platform.iam_oidc_provider_info:
    url: https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
"""

RETURN = r"""
oidc_providers:
  description: The providers found.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: The ARN of the provider.
      returned: always
      type: str
      sample: arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
    url:
      description: The issuer URL of the provider, with C(https://).
      returned: always
      type: str
      sample: https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
    client_ids:
      description: The client IDs (audiences) of the provider.
      returned: always
      type: list
      elements: str
      sample: [sts.amazonaws.com]
    thumbprints:
      description: The thumbprints of the provider, as IAM reports them.
      returned: always
      type: list
      elements: str
    tags:
      description: The tags of the provider.
      returned: always
      type: dict
      sample: {"eksforge:platform": "shop-dev"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils import iam_oidc_provider as oidc


def main():
    argument_spec = dict(
        url=dict(type="str", aliases=["issuer", "issuer_url"]),
        tags=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("iam")
    try:
        providers = oidc.list_providers(client, url=module.params["url"], tags=module.params["tags"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, oidc_providers=providers)


if __name__ == "__main__":
    main()
