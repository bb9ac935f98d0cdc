# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The options argument_specs.wait() makes; the default of wait_timeout is CLUSTER_WAIT_TIMEOUT.
    DOCUMENTATION = r"""
options:
  wait:
    description: Wait until the resource is C(ACTIVE) after creation or updates, or gone after deletion.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each asynchronous step.
    type: int
    default: 1800
"""
