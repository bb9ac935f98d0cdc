#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: iam_oidc_provider
short_description: Manage an IAM OpenID Connect identity provider
version_added: 0.1.0
description:
  - Creates, updates and deletes an IAM OpenID Connect (OIDC) identity provider, found by its issuer URL,
    for example the issuer of an EKS cluster (C(https://oidc.eks.<region>.amazonaws.com/id/<ID>)), which
    IAM roles for service accounts (IRSA) trust.
  - Client IDs (audiences) are changed in place with C(AddClientIDToOpenIDConnectProvider) and
    C(RemoveClientIDFromOpenIDConnectProvider), thumbprints with C(UpdateOpenIDConnectProviderThumbprint),
    tags with C(TagOpenIDConnectProvider) and C(UntagOpenIDConnectProvider). The URL of a provider cannot change;
    a different URL is a different provider.
author:
  - eksforge maintainers (@eksforge)
options:
  url:
    description:
      - The issuer URL of the identity provider, as EKS reports it in C(identity.oidc.issuer).
      - The scheme and a trailing slash are ignored when looking the provider up, so
        C(https://oidc.eks.eu-west-1.amazonaws.com/id/ABC) and C(oidc.eks.eu-west-1.amazonaws.com/id/ABC) are the same provider.
    type: str
    required: true
    aliases: [issuer, issuer_url]
  state:
    description:
      - Whether the provider should exist.
    type: str
    choices: [present, absent]
    default: present
  client_ids:
    description:
      - The client IDs (audiences) the provider accepts.
      - EKS service account tokens use the audience C(sts.amazonaws.com).
    type: list
    elements: str
    default: [sts.amazonaws.com]
  purge_client_ids:
    description:
      - Remove client IDs of an existing provider that are not listed in O(client_ids).
    type: bool
    default: true
  thumbprints:
    description:
      - SHA-1 thumbprints (40 hexadecimal characters) of the certificate authorities of the issuer's TLS certificate.
      - Compared without regard to case or order. At most 5.
      - When omitted, no thumbprint is sent when the provider is created and the thumbprints of an existing
        provider are left alone. IAM then works the thumbprint out itself and, for issuers it knows such as
        EKS's, validates them with its own library of trusted root certificate authorities, so EKS issuers need none.
        This module never contacts the issuer to compute a thumbprint.
    type: list
    elements: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eksforge.platform.check_mode
notes:
  - IAM is a global service; O(region) only selects the endpoint used for the calls.
  - In check mode, when the provider would be created, RV(arn) is predicted from C(sts:GetCallerIdentity).
"""

EXAMPLES = r"""
- name: Trust an EKS cluster's OIDC issuer for IAM roles for service accounts
  eksforge.platform.iam_oidc_provider:
    url: "{{ cluster.identity.oidc.issuer }}"
    tags:
      "eksforge:platform": "{{ platform_name }}"
  register: oidc

- name: Accept an additional audience and pin a thumbprint
  eksforge.platform.iam_oidc_provider:
    url: https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
    client_ids:
      - sts.amazonaws.com
      - my-app
    thumbprints:
      - 9e99a48a9960b14926bb7f3b02e22da2b0ab7280

- name: Remove the provider
  eksforge.platform.iam_oidc_provider:
    url: https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
    state: absent
"""

RETURN = r"""
arn:
  description:
    - The ARN of the provider.
    - Predicted from the caller's account when check mode would create the provider.
    - Empty when O(state=absent).
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
  returned: when O(state=present)
  type: list
  elements: str
  sample: [sts.amazonaws.com]
thumbprints:
  description:
    - The thumbprints of the provider, as IAM reports them.
    - When none were given at creation, the thumbprints IAM worked out itself (an empty list in check mode).
  returned: when O(state=present)
  type: list
  elements: str
  sample: [9e99a48a9960b14926bb7f3b02e22da2b0ab7280]
tags:
  description: The tags of the provider.
  returned: when O(state=present)
  type: dict
  sample: {"eksforge:platform": "demo"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import STATE
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import TAGS
from ansible_collections.eksforge.platform.plugins.module_utils import iam_oidc_provider as oidc


def ensure_present(module, client, current):
    params = module.params
    if current is None:
        desired = dict(
            arn="",
            url=oidc.issuer_url(params["url"]),
            client_ids=oidc.normalize_client_ids(params["client_ids"]),
            thumbprints=oidc.normalize_thumbprints(params["thumbprints"]) or [],
            tags=dict(params["tags"] or {}),
        )
        if module.check_mode:
            account_id, partition = get_aws_account_info(module)
            desired["arn"] = "arn:{0}:iam::{1}:oidc-provider/{2}".format(partition, account_id, oidc.normalize_url(params["url"]))
            return True, desired
        arn = oidc.create_provider(client, params["url"], params["client_ids"], params["thumbprints"], params["tags"])
        return True, oidc.describe_provider(client, arn) or dict(desired, arn=arn)

    plan = oidc.plan_update(
        current,
        client_ids=params["client_ids"],
        purge_client_ids=params["purge_client_ids"],
        thumbprints=params["thumbprints"],
        tags=params["tags"],
        purge_tags=params["purge_tags"],
    )
    if not oidc.plan_has_changes(plan):
        return False, current
    if module.check_mode:
        return True, oidc.apply_plan_to_state(current, plan)
    oidc.apply_plan(client, current["arn"], plan)
    return True, oidc.describe_provider(client, current["arn"])


def main():
    argument_spec = dict(
        url=dict(type="str", required=True, aliases=["issuer", "issuer_url"]),
        **STATE,
        client_ids=dict(type="list", elements="str", default=list(oidc.DEFAULT_CLIENT_IDS)),
        purge_client_ids=dict(type="bool", default=True),
        thumbprints=dict(type="list", elements="str"),
        **TAGS,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if not oidc.normalize_url(module.params["url"]):
        module.fail_json(msg="url must not be empty")
    problem = oidc.thumbprint_problem(module.params["thumbprints"])
    if problem:
        module.fail_json(msg=problem)

    client = module.client("iam")
    try:
        arn = oidc.find_provider_arn(client, module.params["url"])
        current = oidc.describe_provider(client, arn) if arn else None

        if module.params["state"] == "absent":
            changed = current is not None
            if changed and not module.check_mode:
                oidc.delete_provider(client, current["arn"])
            result = dict(changed=changed, arn="", url=oidc.issuer_url(module.params["url"]))
            after = None
        else:
            changed, after = ensure_present(module, client, current)
            result = dict(changed=changed, **after)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    if module._diff:
        result["diff"] = dict(before=oidc.diff_view(current), after=oidc.diff_view(after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
