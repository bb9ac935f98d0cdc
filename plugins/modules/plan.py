# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: plan
short_description: Report a resource check mode would create, with its settings in the diff
version_added: 0.2.0
description:
  - In check mode, reports O(resource) as changed (C(would be created)) with O(settings) as the "after" of the
    diff (the "before" is empty), so C(--check --diff) reads like a plan where the module that creates the resource
    cannot run yet (its parent does not exist) or shows no diff of its own.
  - It calls nothing and changes nothing. Outside check mode it fails, as the task that creates the resource runs
    there instead.
author:
  - eksforge maintainers (@eksforge)
options:
  resource:
    description: What would be created and its name, such as V(subnet demo-public-us-east-1a).
    type: str
    required: true
  settings:
    description: The resource's name and key settings, shown as YAML in the diff.
    type: dict
    required: true
notes:
  - Runs on the controller (an action plugin).
"""

EXAMPLES = r"""
- name: Plan the subnet check mode would create
  eksforge.platform.plan:
    resource: subnet demo-public-us-east-1a
    settings:
      cidr_block: 10.42.0.0/26
      availability_zone: us-east-1a
  when: ansible_check_mode
"""

RETURN = r"""
msg:
  description: The resource and that it would be created.
  returned: always
  type: str
  sample: subnet demo-public-us-east-1a would be created
"""
