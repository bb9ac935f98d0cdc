#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ec2_instance_type_offerings_info
short_description: Which EC2 instance types are offered in the region or its zones
version_added: 0.2.0
description:
  - Lists the EC2 instance type offerings of the region, or of each of its Availability Zones
    (C(DescribeInstanceTypeOfferings)), in one paginated read.
  - With O(instance_types), lists only those types and names the ones not offered in RV(not_offered), so a caller
    can refuse an instance type that does not exist in the region before it creates anything.
author:
  - eksforge maintainers (@eksforge)
options:
  location_type:
    description:
      - Where the offerings are listed. V(region) lists the types offered anywhere in the region,
        V(availability-zone) and V(availability-zone-id) list them zone by zone.
    type: str
    choices: [region, availability-zone, availability-zone-id]
    default: region
  filters:
    description:
      - More filters of C(DescribeInstanceTypeOfferings) as a dict of filter name to value(s), such as
        C(location=us-east-1a) written as a YAML dict, with O(location_type=availability-zone).
    type: dict
    default: {}
  instance_types:
    description:
      - Only these instance types (such as V(m6i.large)). A type not offered is left out of
        RV(instance_type_offerings) and listed in RV(not_offered), not an error.
    type: list
    elements: str
    default: []
  describe:
    description:
      - Also describe the offered types of O(instance_types) (C(DescribeInstanceTypes), one more read) and return them
        in RV(instance_types), so one module run says both whether a type exists in the region and what it is (its
        architectures, vCPUs, memory). Types not offered are not described (that call refuses them).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Which of the nodegroups' instance types the region offers
  eksforge.platform.ec2_instance_type_offerings_info:
    instance_types: [m6i.large, m7g.large]
  register: offerings

- name: Refuse the ones it does not offer
  ansible.builtin.assert:
    that: offerings.not_offered | length == 0
    fail_msg: "Not offered in this region: {{ offerings.not_offered | join(', ') }}"

- name: Which of the nodegroups' instance types the region offers, and their architectures
  eksforge.platform.ec2_instance_type_offerings_info:
    instance_types: [m6i.large, m7g.large]
    describe: true
  register: offered

- name: Refuse a Graviton type for an x86_64 AMI
  ansible.builtin.assert:
    that: offered.instance_types | rejectattr('processor_info.supported_architectures', 'contains', 'x86_64') | list | length == 0
    fail_msg: >-
      Not x86_64: {{ offered.instance_types | rejectattr('processor_info.supported_architectures', 'contains', 'x86_64')
                     | map(attribute='instance_type') | join(', ') }}

- name: The zones that offer m6i.large
  eksforge.platform.ec2_instance_type_offerings_info:
    location_type: availability-zone
    instance_types: [m6i.large]
"""

RETURN = r"""
instance_type_offerings:
  description: The offerings, as C(DescribeInstanceTypeOfferings) returns them with snake_case keys.
  returned: always
  type: list
  elements: dict
  contains:
    instance_type:
      description: The instance type.
      type: str
      returned: always
      sample: m6i.large
    location_type:
      description: The kind of location, as O(location_type).
      type: str
      returned: always
      sample: region
    location:
      description: The region, zone name or zone id that offers it.
      type: str
      returned: always
      sample: us-east-1
not_offered:
  description: The types of O(instance_types) no location offers, in the order given (empty without O(instance_types)).
  returned: always
  type: list
  elements: str
  sample: [m9z.huge]
instance_types:
  description:
    - The offered types of O(instance_types) as C(DescribeInstanceTypes) describes them, with snake_case keys (the
      shape of amazon.aws.ec2_instance_type_info's result).
  returned: when O(describe=true)
  type: list
  elements: dict
  contains:
    processor_info:
      description: Its processors, with C(supported_architectures) (V(x86_64), V(arm64)).
      type: dict
      returned: always
      sample: {"supported_architectures": ["arm64"], "sustained_clock_speed_in_ghz": 2.6}
    instance_type:
      description: Which type of O(instance_types) this is.
      type: str
      returned: always
      sample: m7g.large
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.ec2_instance_type_offerings import (
    run_instance_type_offerings_info,
)


def main():
    argument_spec = dict(
        location_type=dict(type="str", default="region", choices=["region", "availability-zone", "availability-zone-id"]),
        filters=dict(type="dict", default={}),
        instance_types=dict(type="list", elements="str", default=[]),
        describe=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_instance_type_offerings_info(module)


if __name__ == "__main__":
    main()
