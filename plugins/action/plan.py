# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of eksforge.platform.plan (documented in plugins/modules/plan.py): a resource check mode would create,
reported as changed with its settings as the diff's "after". It runs on the controller and calls nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import yaml

from ansible.errors import AnsibleActionFail
from ansible.parsing.yaml.dumper import AnsibleDumper
from ansible.plugins.action import ActionBase

# A plan line is one setting: long values (trust, ARNs) are not folded onto continuation lines.
LINE_WIDTH = 10000
ARGUMENT_SPEC = dict(resource=dict(type="str", required=True), settings=dict(type="dict", required=True))


def planned(resource, settings):
    """The result of planning `resource` (such as "subnet demo-public-us-east-1a") with `settings`."""
    after = yaml.dump(settings, Dumper=AnsibleDumper, sort_keys=False, default_flow_style=False, width=LINE_WIDTH)
    return dict(changed=True, msg="{0} would be created".format(resource),
                diff=dict(before="", after=after, before_header="{0} (absent)".format(resource),
                          after_header="{0} (would create)".format(resource)))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if not self._task.check_mode:
            raise AnsibleActionFail("eksforge.platform.plan reports what check mode would create; outside check mode "
                                    "the task that creates {0} runs instead (guard this task with "
                                    "ansible_check_mode)".format(args["resource"]))
        result.update(planned(args["resource"], args["settings"]))
        return result
