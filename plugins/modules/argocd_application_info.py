#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: argocd_application_info
short_description: Read Argo CD Applications and wait until one is Synced and Healthy at a revision
version_added: 0.2.0
description:
  - Reads one Argo CD Application, or all of a namespace, through the Kubernetes API (no C(argocd) CLI, no Argo
    CD API server token) and returns for each its sync status, revision, health, images, last operation, history
    and the resources that are not healthy or not synced.
  - With O(wait=true), polls the Application until it is C(Synced) and C(Healthy) and, with O(revision), until
    it has synced that revision; fails after O(wait_timeout) seconds (or as soon as it is C(Degraded) at the
    revision, with O(fail_on_degraded=true)) naming the resources that are not healthy.
  - Per-resource health is on the Application only when Argo CD persists it (Argo CD 3 keeps it in its app tree
    unless C(controller.resource.health.persist) is C(true) in C(argocd-cmd-params-cm)); RV(applications[].resource_health_persisted)
    says which.
author:
  - eksforge maintainers (@eksforge)
options:
  name:
    description: Name of the Application; all Applications of O(namespace) when omitted.
    type: str
  namespace:
    description: Namespace of the Applications (Argo CD's own namespace, unless apps in any namespace are used).
    type: str
    default: argocd
  wait:
    description: Wait until the Application O(name) is Synced and Healthy (at O(revision) when given).
    type: bool
    default: false
  revision:
    description: Commit (full or abbreviated) or chart version the Application must have synced, with O(wait).
    type: str
  wait_timeout:
    description: Seconds to wait before failing.
    type: int
    default: 300
  wait_sleep:
    description: Seconds between two reads while waiting.
    type: int
    default: 2
  fail_on_degraded:
    description:
      - While waiting, fail as soon as the Application is C(Degraded) at O(revision) instead of waiting for the
        timeout (a rollout that exceeded its progress deadline, an image that cannot be pulled).
    type: bool
    default: false
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
attributes:
  check_mode:
    description: Reads only; runs the same in check mode.
    support: full
  diff_mode:
    description: Changes nothing, so there is no diff.
    support: none
requirements:
  - kubernetes
"""

EXAMPLES = r"""
- name: Wait for cart to run the release's commit
  eksforge.platform.argocd_application_info:
    name: shop-cart
    wait: true
    revision: "{{ bump.commit }}"
    wait_timeout: 600
    fail_on_degraded: true
  register: cart

- name: Every Application of the platform
  eksforge.platform.argocd_application_info:
    kubeconfig: "{{ kubeconfig_path }}"
  register: platform_apps
"""

RETURN = r"""
applications:
  description: The Applications read (one with O(name)), as a release reads them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the Application.
      type: str
      sample: shop-cart
    namespace:
      description: Its namespace.
      type: str
      sample: argocd
    project:
      description: Its AppProject.
      type: str
      sample: shop
    sync_status:
      description: C(Synced), C(OutOfSync) or C(Unknown).
      type: str
      sample: Synced
    revision:
      description: The revision last compared (commit or chart version).
      type: str
      sample: 0a5f037adb20594b9fa068e19119faf3d57b6f66
    health_status:
      description: C(Healthy), C(Progressing), C(Degraded), C(Suspended), C(Missing) or C(Unknown).
      type: str
      sample: Healthy
    images:
      description: Images of the Application's workloads (status.summary.images).
      type: list
      elements: str
      sample: ["123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/cart:v1.4.0"]
    operation_phase:
      description: Phase of the last sync operation (C(Succeeded), C(Failed), C(Running)...), null if none.
      type: str
      sample: Succeeded
    operation_message:
      description: Message of the last sync operation.
      type: str
      sample: successfully synced (all tasks run)
    history_revisions:
      description: Revisions of the sync history, oldest first.
      type: list
      elements: str
    conditions:
      description: The Application's conditions (ComparisonError, InvalidSpecError...), as type and message.
      type: list
      elements: dict
    unhealthy_resources:
      description: Resources whose health is not C(Healthy) (kind, namespace, name, sync_status, health_status,
        health_message).
      type: list
      elements: dict
      sample: [{"kind": "Deployment", "namespace": "shop", "name": "cart", "sync_status": "Synced",
                "health_status": "Degraded", "health_message": "Deployment \"cart\" exceeded its progress deadline"}]
    out_of_sync_resources:
      description: Resources that are not C(Synced) (requires_pruning true for those Argo CD would prune).
      type: list
      elements: dict
    resource_health_persisted:
      description: Whether the Application carries per-resource health (see the description).
      type: bool
      sample: true
"""

from ansible_collections.kubernetes.core.plugins.module_utils.ansiblemodule import AnsibleModule
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.eksforge.platform.plugins.module_utils.argocd_application import run_argocd_application_info


def main():
    argument_spec = dict(
        AUTH_ARG_SPEC,
        name=dict(type="str"),
        namespace=dict(type="str", default="argocd"),
        wait=dict(type="bool", default=False),
        revision=dict(type="str"),
        wait_timeout=dict(type="int", default=300),
        wait_sleep=dict(type="int", default=2),
        fail_on_degraded=dict(type="bool", default=False),
    )
    module = AnsibleK8SModule(module_class=AnsibleModule, argument_spec=argument_spec, supports_check_mode=True)
    run_argocd_application_info(module)


if __name__ == "__main__":
    main()
