# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Modules that change AWS resources; each declares supports_check_mode=True and returns diff in diff mode.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode, reporting the change it would make.
    support: full
    details: In check mode no call that mutates is made.
  diff_mode:
    description: Returns the resource before and after the change (or as it would be, in check mode) in diff mode.
    support: full
"""
