# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""kubeconfig entries for EKS clusters (used by eksforge.platform.eks_kubeconfig).

Pure functions on the parsed kubeconfig (plain dicts and lists): they build the cluster, user and
context entries ``aws eks update-kubeconfig`` would write, merge them into a config without touching
other entries, and remove them again. No credential is ever written: users authenticate with an
``exec`` entry that runs ``aws eks get-token`` when kubectl needs a token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import string

EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"
DEFAULT_NAME_PATTERN = "{arn}"
NAME_FIELDS = ("arn", "cluster_name", "region", "account_id", "partition")
SECTIONS = ("clusters", "users", "contexts")


class KubeconfigError(Exception):
    pass


def cluster_arn(partition, region, account_id, cluster_name):
    return "arn:{0}:eks:{1}:{2}:cluster/{3}".format(partition, region, account_id, cluster_name)


def arn_fields(arn):
    """``{arn, cluster_name, region, account_id, partition}`` of an EKS cluster ARN."""
    parts = (arn or "").split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "eks" or not parts[5].startswith("cluster/"):
        raise KubeconfigError("{0!r} is not an EKS cluster ARN".format(arn))
    return dict(arn=arn, partition=parts[1], region=parts[3], account_id=parts[4], cluster_name=parts[5][len("cluster/"):])


def render_name(pattern, fields):
    """Fill a name pattern such as ``{cluster_name}-{region}``; only the fields of NAME_FIELDS are known."""
    pattern = pattern or DEFAULT_NAME_PATTERN
    for _literal, field, _spec, _conversion in string.Formatter().parse(pattern):
        if field is not None and field not in NAME_FIELDS:
            raise KubeconfigError(
                "unknown field {{{0}}} in name pattern {1!r}; use {2}".format(field, pattern, ", ".join("{%s}" % f for f in NAME_FIELDS))
            )
    name = pattern.format(**dict((f, fields[f]) for f in NAME_FIELDS))
    if not name:
        raise KubeconfigError("name pattern {0!r} gives an empty name".format(pattern))
    return name


def cluster_entry(name, server, ca_data):
    cluster = {"certificate-authority-data": ca_data, "server": server}
    return {"cluster": cluster, "name": name}


def user_entry(name, cluster_name, region, role_arn=None, profile=None, env=None):
    """A user that runs ``aws eks get-token`` (apiVersion client.authentication.k8s.io/v1beta1)."""
    args = ["--region", region, "eks", "get-token", "--cluster-name", cluster_name, "--output", "json"]
    if role_arn:
        args.extend(["--role-arn", role_arn])
    exec_config = {"apiVersion": EXEC_API_VERSION, "args": args, "command": "aws"}
    exec_env = []
    if profile:
        exec_env.append({"name": "AWS_PROFILE", "value": profile})
    for key in sorted(env or {}):
        if key == "AWS_PROFILE" and profile:
            continue
        exec_env.append({"name": key, "value": str(env[key])})
    if exec_env:
        exec_config["env"] = exec_env
    return {"name": name, "user": {"exec": exec_config}}


def context_entry(name, cluster, user, namespace=None):
    context = {"cluster": cluster, "user": user}
    if namespace:
        context["namespace"] = namespace
    return {"context": context, "name": name}


def empty_config():
    return {
        "apiVersion": "v1",
        "clusters": [],
        "contexts": [],
        "current-context": "",
        "kind": "Config",
        "preferences": {},
        "users": [],
    }


def normalize_config(config):
    """A parsed kubeconfig with the sections this module edits present as lists.

    ``None`` (an empty file) becomes an empty config. Anything that is not a kubeconfig is refused
    rather than overwritten.
    """
    if config is None:
        return empty_config()
    if not isinstance(config, dict):
        raise KubeconfigError("the file is not a kubeconfig (top level is not a mapping)")
    result = copy.deepcopy(config)
    for section in SECTIONS:
        value = result.get(section)
        if value is None:
            result[section] = []
        elif not isinstance(value, list):
            raise KubeconfigError("the file is not a kubeconfig ({0} is not a list)".format(section))
    result.setdefault("apiVersion", "v1")
    result.setdefault("kind", "Config")
    return result


def _upsert(entries, entry):
    """Replace the entry with the same name in place, or append it."""
    for index, existing in enumerate(entries):
        if isinstance(existing, dict) and existing.get("name") == entry["name"]:
            entries[index] = entry
            return
    entries.append(entry)


def merge_entries(config, cluster, user, context, set_current_context=True):
    """A new config with the three entries added or replaced; every other entry is kept as it is."""
    result = normalize_config(config)
    _upsert(result["clusters"], cluster)
    _upsert(result["users"], user)
    _upsert(result["contexts"], context)
    if set_current_context:
        result["current-context"] = context["name"]
    return result


def remove_entries(config, cluster_name=None, user_name=None, context_name=None):
    """A new config without the named entries; ``current-context`` is cleared if it pointed at the context."""
    result = normalize_config(config)
    for section, name in (("clusters", cluster_name), ("users", user_name), ("contexts", context_name)):
        if name is not None:
            result[section] = [e for e in result[section] if not (isinstance(e, dict) and e.get("name") == name)]
    if context_name is not None and result.get("current-context") == context_name:
        result["current-context"] = ""
    return result


def find_entry(config, section, name):
    for entry in (config or {}).get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            return entry
    return None
