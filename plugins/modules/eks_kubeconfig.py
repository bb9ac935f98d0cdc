#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_kubeconfig
short_description: Write the kubeconfig entry of an EKS cluster
version_added: 0.1.0
description:
  - Adds, updates or removes the cluster, user and context entries of an EKS cluster in a kubeconfig file,
    like C(aws eks update-kubeconfig), for people who then use kubectl or helm.
  - The user entry runs C(aws eks get-token --cluster-name <name> --region <region>) through the
    C(client.authentication.k8s.io/v1beta1) exec plugin API, so kubectl fetches a short-lived token when it
    needs one. No token or other credential is ever written to the file.
  - Every other cluster, user and context in the file is kept. The file is only rewritten when its content
    changes and is always left with mode C(0600).
  - Server and certificate authority come from C(eks:DescribeCluster) unless O(endpoint) and
    O(certificate_authority_data) are given.
author:
  - eksforge maintainers (@eksforge)
options:
  cluster_name:
    description:
      - The name of the EKS cluster.
    type: str
    required: true
    aliases: [name]
  state:
    description:
      - V(present) writes or updates the entries, V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - The kubeconfig file to edit.
      - Defaults to the first file of the E(KUBECONFIG) environment variable of the managed host, else C(~/.kube/config).
      - Missing parent directories are created with mode C(0700).
    type: path
  alias:
    description:
      - The name of the context.
      - A pattern that may use the fields C({arn}), C({cluster_name}), C({region}), C({account_id}) and C({partition}).
      - The default is the cluster ARN, as C(aws eks update-kubeconfig) uses.
    type: str
    default: "{arn}"
  user_alias:
    description:
      - The name of the user entry, a pattern with the same fields as O(alias).
    type: str
    default: "{arn}"
  cluster_arn:
    description:
      - The ARN of the cluster, which names the cluster entry.
      - When omitted it is taken from C(eks:DescribeCluster), or, when O(endpoint) is given or O(state=absent),
        built from the caller's account (C(sts:GetCallerIdentity)) and O(region).
    type: str
  endpoint:
    description:
      - The URL of the cluster's Kubernetes API server. Given together with O(certificate_authority_data),
        the cluster is not described.
    type: str
    aliases: [server]
  certificate_authority_data:
    description:
      - The base64 encoded PEM certificate of the cluster's certificate authority (C(certificateAuthority.data)).
    type: str
  role_arn:
    description:
      - A role for C(aws eks get-token) to assume (C(--role-arn)) before signing the token.
    type: str
  exec_env:
    description:
      - Extra environment variables for the C(aws) command, for example C(AWS_ENDPOINT_URL_STS).
      - Do not put secrets here; they would be written to the file.
      - When the module's O(profile) is set, C(AWS_PROFILE) is set to it, as C(aws eks update-kubeconfig) does.
    type: dict
  namespace:
    description:
      - The default namespace of the context.
    type: str
  set_current_context:
    description:
      - Make the context the current context (C(aws eks update-kubeconfig) always does).
      - With O(state=absent) the current context is cleared when it is the removed context, whatever this option says.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - O(region) is required; it goes into the C(aws eks get-token) arguments.
  - Supports check mode (nothing is written) and C(--diff) (the file's YAML before and after).
  - With O(state=present) and no O(endpoint), the cluster must exist and be C(ACTIVE) or C(UPDATING),
    also in check mode.
"""

EXAMPLES = r"""
- name: Let operators use kubectl on the platform cluster
  eksforge.platform.eks_kubeconfig:
    cluster_name: "{{ platform_name }}"
    alias: "{{ platform_name }}-{{ platform_environment }}"

- name: Separate kubeconfig file, admin role, not the current context
  eksforge.platform.eks_kubeconfig:
    cluster_name: "{{ platform_name }}"
    path: "{{ playbook_dir }}/.kube/{{ platform_name }}.yaml"
    alias: "{cluster_name}@{region}"
    user_alias: "{cluster_name}-admin"
    role_arn: arn:aws:iam::123456789012:role/platform-admin
    set_current_context: false

- name: Without describing the cluster
  eksforge.platform.eks_kubeconfig:
    cluster_name: demo
    cluster_arn: arn:aws:eks:eu-west-1:123456789012:cluster/demo
    endpoint: https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com
    certificate_authority_data: "{{ ca_pem | b64encode }}"

- name: Against a test endpoint, have aws eks get-token sign for that STS as well
  eksforge.platform.eks_kubeconfig:
    cluster_name: "{{ platform_name }}"
    exec_env:
      AWS_ENDPOINT_URL_STS: "{{ aws_endpoint_url }}"
  when: aws_endpoint_url is defined

- name: Remove the entries
  eksforge.platform.eks_kubeconfig:
    cluster_name: "{{ platform_name }}"
    alias: "{{ platform_name }}-{{ platform_environment }}"
    state: absent
"""

RETURN = r"""
path:
  description: The kubeconfig file.
  returned: always
  type: str
  sample: /home/ops/.kube/config
context:
  description: The name of the context.
  returned: always
  type: str
  sample: arn:aws:eks:eu-west-1:123456789012:cluster/demo
cluster:
  description: The name of the cluster entry (the cluster ARN).
  returned: always
  type: str
  sample: arn:aws:eks:eu-west-1:123456789012:cluster/demo
user:
  description: The name of the user entry.
  returned: always
  type: str
  sample: arn:aws:eks:eu-west-1:123456789012:cluster/demo
endpoint:
  description: The API server URL written to the cluster entry.
  returned: when O(state=present)
  type: str
  sample: https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com
"""

import os
import pwd
import tempfile

try:
    import yaml
except ImportError:
    yaml = None

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import STATE
from ansible_collections.eksforge.platform.plugins.module_utils import eks_kubeconfig as kc
from ansible_collections.eksforge.platform.plugins.module_utils.eks import describe_or_none, eks_client

FILE_MODE = 0o600


def default_path():
    """The first file of KUBECONFIG, else ~/.kube/config of the user the module runs as."""
    for element in os.environ.get("KUBECONFIG", "").split(os.pathsep):
        if element.strip():
            return os.path.abspath(element.strip())
    home = os.environ.get("HOME") or pwd.getpwuid(os.getuid()).pw_dir
    return os.path.join(home, ".kube", "config")


def cluster_facts(module):
    """ARN fields, server and CA data of the cluster (server/CA are None when state=absent)."""
    params = module.params
    name = params["cluster_name"]
    region = module.region
    if params["cluster_arn"]:
        fields = kc.arn_fields(params["cluster_arn"])
        if fields["cluster_name"] != name:
            module.fail_json(msg="cluster_arn {0} is not the ARN of cluster {1}".format(params["cluster_arn"], name))
        if region and fields["region"] != region:
            module.fail_json(msg="cluster_arn {0} is not in region {1}".format(params["cluster_arn"], region))
    else:
        fields = None

    if params["state"] == "present" and not params["endpoint"]:
        cluster = describe_or_none(module, eks_client(module).describe_cluster, "cluster", "EKS cluster " + name, name=name)
        if cluster is None:
            module.fail_json(msg="EKS cluster {0} not found in {1}".format(name, region))
        if cluster.get("status") not in ("ACTIVE", "UPDATING"):
            module.fail_json(msg="EKS cluster {0} is {1}; its endpoint is not ready".format(name, cluster.get("status")))
        fields = fields or kc.arn_fields(cluster["arn"])
        return fields, cluster.get("endpoint"), (cluster.get("certificateAuthority") or {}).get("data") or ""

    if fields is None:
        account_id, partition = get_aws_account_info(module)
        fields = kc.arn_fields(kc.cluster_arn(partition, region, account_id, name))
    return fields, params["endpoint"], params["certificate_authority_data"]


def read_file(module, path):
    """(text or None when missing, parsed config)."""
    if not os.path.exists(path):
        return None, None
    try:
        with open(path, "r") as f:
            text = f.read()
        return text, yaml.safe_load(text)
    except (IOError, OSError, yaml.YAMLError) as e:
        module.fail_json(msg="Failed to read kubeconfig {0}: {1}".format(path, e))


def dump(config):
    return yaml.safe_dump(config, default_flow_style=False, sort_keys=False)


def write_file(module, path, text):
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    fd, tmp = tempfile.mkstemp(prefix=".kubeconfig-", dir=directory)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    except Exception:
        os.unlink(tmp)
        raise
    module.atomic_move(tmp, path)
    os.chmod(path, FILE_MODE)


def main():
    argument_spec = dict(
        cluster_name=dict(type="str", required=True, aliases=["name"]),
        **STATE,
        path=dict(type="path"),
        alias=dict(type="str", default=kc.DEFAULT_NAME_PATTERN),
        user_alias=dict(type="str", default=kc.DEFAULT_NAME_PATTERN),
        cluster_arn=dict(type="str"),
        endpoint=dict(type="str", aliases=["server"]),
        certificate_authority_data=dict(type="str"),
        role_arn=dict(type="str"),
        exec_env=dict(type="dict"),
        namespace=dict(type="str"),
        set_current_context=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_together=[["endpoint", "certificate_authority_data"]],
    )
    if yaml is None:
        module.fail_json(msg=missing_required_lib("PyYAML"))
    params = module.params
    if not module.region:
        module.fail_json(msg="region is required (it is written into the aws eks get-token arguments)")

    path = params["path"] or default_path()
    try:
        fields, server, ca_data = cluster_facts(module)
        cluster_name = fields["arn"]
        user_name = kc.render_name(params["user_alias"], fields)
        context_name = kc.render_name(params["alias"], fields)

        before_text, before = read_file(module, path)
        current = kc.normalize_config(before)
        if params["state"] == "present":
            after = kc.merge_entries(
                current,
                kc.cluster_entry(cluster_name, server, ca_data),
                kc.user_entry(user_name, params["cluster_name"], fields["region"], params["role_arn"], params["profile"], params["exec_env"]),
                kc.context_entry(context_name, cluster_name, user_name, params["namespace"]),
                set_current_context=params["set_current_context"],
            )
        else:
            after = kc.remove_entries(current, cluster_name, user_name, context_name)
    except kc.KubeconfigError as e:
        module.fail_json(msg="{0}: {1}".format(path, e))

    exists = before_text is not None
    content_changed = (after != current) or (not exists and params["state"] == "present")
    # state=absent leaves the mode of a file it does not otherwise touch alone
    mode_changed = exists and (content_changed or params["state"] == "present") and (os.stat(path).st_mode & 0o7777) != FILE_MODE
    changed = content_changed or mode_changed
    after_text = dump(after) if content_changed else (before_text or "")

    if changed and not module.check_mode:
        if content_changed:
            write_file(module, path, after_text)
        else:
            os.chmod(path, FILE_MODE)

    result = dict(changed=changed, path=path, context=context_name, cluster=cluster_name, user=user_name)
    if params["state"] == "present":
        result["endpoint"] = server
    if module._diff:
        result["diff"] = dict(before_header=path, after_header=path, before=before_text or "", after=after_text)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
