# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tag handling shared by every module that manages tags: what changes, the tags afterwards, and the
order the change is made in. The service calls themselves are passed in."""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


def diff_tags(current, desired, purge_tags):
    """(tags to set, keys to remove); desired None means tags are not managed."""
    if desired is None:
        return {}, []
    to_set, to_unset = compare_aws_tags(current or {}, desired, purge_tags)
    return to_set, sorted(to_unset)


def tags_after(current, desired, purge_tags):
    to_set, to_unset = diff_tags(current, desired, purge_tags)
    result = {k: v for k, v in (current or {}).items() if k not in to_unset}
    result.update({k: str(v) for k, v in to_set.items()})
    return result


def sync_tags(module, current, desired, purge_tags, tag, untag):
    """Bring ``current`` tags to ``desired`` with ``untag(keys)`` and ``tag({key: value})``.

    Returns True when something changed (or would, in check mode, where neither is called). Keys are
    removed first, which keeps the resource under its service's tag limit while it is being changed.
    """
    to_set, to_unset = diff_tags(current, desired, purge_tags)
    if not (to_set or to_unset):
        return False
    if module.check_mode:
        return True
    if to_unset:
        untag(to_unset)
    if to_set:
        tag({k: str(v) for k, v in to_set.items()})
    return True
