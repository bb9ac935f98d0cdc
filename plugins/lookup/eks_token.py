# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: eks_token
short_description: Get a bearer token for an EKS cluster's Kubernetes API
version_added: 0.1.0
author:
  - eksforge maintainers (@eksforge)
description:
  - Returns the token C(aws eks get-token) would print, without needing the AWS CLI, so the
    kubernetes.core modules (M(kubernetes.core.k8s), M(kubernetes.core.k8s_info), M(kubernetes.core.helm), ...)
    can authenticate to an EKS cluster with O(kubernetes.core.k8s#module:api_key).
  - The token is C(k8s-aws-v1.) followed by the unpadded URL-safe base64 encoding of a presigned STS
    C(GetCallerIdentity) GET URL that is valid for 60 seconds (C(X-Amz-Expires=60)) and has the header
    C(x-k8s-aws-id) set to the cluster name among its signed headers. The URL points at the regional STS
    endpoint of O(region), or at O(endpoint_url) when that is set.
  - EKS accepts a token for 15 minutes after it was signed. Look it up in the task that uses it
    (as in the examples) rather than storing it in a fact for a long play.
  - "B(The token is a credential.) Set C(no_log: true) on every task that uses it, and never print it
    or register it unprotected. The plugin itself never displays it."
  - Signing is done locally; no AWS call is made unless O(role_arn) is set (one C(sts:AssumeRole) call).
options:
  _terms:
    description:
      - The name of the cluster, as an alternative to O(cluster_name). Only one may be given.
    required: false
  cluster_name:
    description:
      - The name of the EKS cluster the token is for (the C(x-k8s-aws-id) header).
      - Required unless the name is given as the term.
    type: str
  role_arn:
    description:
      - Assume this IAM role first and sign the token with its temporary credentials,
        like C(aws eks get-token --role-arn).
    type: str
  role_session_name:
    description:
      - The session name used when assuming O(role_arn).
    type: str
    default: EKSGetTokenAuth
extends_documentation_fragment:
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
notes:
  - Options not given as lookup arguments are taken from the environment of the controller
    (C(AWS_REGION), C(AWS_ACCESS_KEY_ID), C(AWS_SECRET_ACCESS_KEY), C(AWS_SESSION_TOKEN), C(AWS_PROFILE), C(AWS_URL)),
    and then from boto3's own configuration chain (including C(AWS_DEFAULT_REGION), C(AWS_ENDPOINT_URL_STS),
    C(AWS_ENDPOINT_URL) and C(~/.aws/config)).
"""

EXAMPLES = r"""
# The token is a credential: every task that uses it sets no_log.
- name: List the nodes of an EKS cluster
  kubernetes.core.k8s_info:
    host: "{{ cluster.endpoint }}"
    api_key: "{{ lookup('eksforge.platform.eks_token', cluster_name=cluster.name, region=aws_region) }}"
    ca_cert: "{{ kube_ca_path }}"
    kind: Node
  no_log: true
  register: nodes

# Complete connection settings for kubernetes.core from the cluster description.
# kubernetes.core wants the CA as a file (ca_cert is a path), so write the base64 PEM
# of certificate_authority.data to disk first.
- name: Describe the cluster
  eksforge.platform.eks_cluster_info:
    name: "{{ platform_name }}"
  register: eks

- name: Write the cluster CA certificate for kubernetes.core
  ansible.builtin.copy:
    content: "{{ eks.clusters[0].certificate_authority.data | b64decode }}"
    dest: "{{ playbook_dir }}/.kube/{{ platform_name }}-ca.crt"
    mode: "0600"

- name: Apply a namespace with the token of an assumed role
  kubernetes.core.k8s:
    host: "{{ eks.clusters[0].endpoint }}"
    ca_cert: "{{ playbook_dir }}/.kube/{{ platform_name }}-ca.crt"
    api_key: >-
      {{ lookup('eksforge.platform.eks_token',
                cluster_name=platform_name,
                region=aws_region,
                role_arn='arn:aws:iam::123456789012:role/platform-admin') }}
    definition:
      apiVersion: v1
      kind: Namespace
      metadata:
        name: shop
  no_log: true

# module_defaults keep the connection in one place for several kubernetes.core tasks;
# the lookup runs again for every task, so each one gets a fresh token.
- name: Platform services
  module_defaults:
    group/kubernetes.core.k8s:
      host: "{{ eks.clusters[0].endpoint }}"
      ca_cert: "{{ playbook_dir }}/.kube/{{ platform_name }}-ca.crt"
      api_key: "{{ lookup('eksforge.platform.eks_token', platform_name, region=aws_region) }}"
  block:
    - name: Read the kube-system pods
      kubernetes.core.k8s_info:
        kind: Pod
        namespace: kube-system
      no_log: true
      register: pods

# Against a non-AWS STS (a test endpoint), pass endpoint_url as for the AWS modules;
# the URL inside the token then points there.
- name: Token signed for a test endpoint
  kubernetes.core.k8s_info:
    host: "{{ eks.clusters[0].endpoint }}"
    ca_cert: "{{ playbook_dir }}/.kube/{{ platform_name }}-ca.crt"
    api_key: "{{ lookup('eksforge.platform.eks_token', platform_name, region=aws_region, endpoint_url=aws_endpoint_url) }}"
    kind: Namespace
  no_log: true
"""

RETURN = r"""
_raw:
  description:
    - A one-element list with the token, C(k8s-aws-v1.<base64url of the presigned URL>).
    - "Secret; use it only in tasks with C(no_log: true)."
  type: list
  elements: str
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AWSLookupBase.require_aws_sdk

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.amazon.aws.plugins.plugin_utils.lookup import AWSLookupBase

from ansible_collections.eksforge.platform.plugins.module_utils import eks_token


class LookupModule(AWSLookupBase):
    def run(self, terms, variables=None, **kwargs):
        super().run(terms, variables, **kwargs)

        cluster_name = self.get_option("cluster_name")
        if terms:
            if cluster_name or len(terms) > 1:
                raise AnsibleLookupError("eks_token takes one cluster name: either one term or cluster_name, not both")
            cluster_name = terms[0]
        if not cluster_name:
            raise AnsibleLookupError("eks_token needs the cluster name (cluster_name=...)")

        sts = self.client("sts")
        role_arn = self.get_option("role_arn")
        try:
            if role_arn:
                creds = eks_token.assume_role_credentials(sts, role_arn, self.get_option("role_session_name"))
                sts = self.client("sts", profile_name=None, **creds)
            token = eks_token.get_token(sts, to_native(cluster_name))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            # botocore's messages never contain the presigned URL; only the role/credential problem.
            raise AnsibleLookupError("Failed to get an EKS token for cluster {0}: {1}".format(cluster_name, to_native(e)))
        except ValueError as e:
            raise AnsibleLookupError(to_native(e))
        return [token]
