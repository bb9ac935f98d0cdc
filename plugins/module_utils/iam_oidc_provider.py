# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM OpenID Connect identity providers (used by eksforge.platform.iam_oidc_provider).

The pure helpers (URL normalisation, planning) have no AWS dependency and are unit tested;
the API helpers wrap the IAM calls with amazon.aws' retry and error handling.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.eksforge.platform.plugins.module_utils.retries import THROTTLING_AND_SERVER_ERRORS
from ansible_collections.eksforge.platform.plugins.module_utils.tagging import diff_tags

DEFAULT_CLIENT_IDS = ["sts.amazonaws.com"]
ARN_MARKER = ":oidc-provider/"
MAX_THUMBPRINTS = 5
_THUMBPRINT = re.compile(r"^[0-9a-fA-F]{40}$")


def normalize_url(url):
    """The provider's identity as IAM keeps it: host and path, no scheme, no trailing slash.

    IAM returns ``Url`` without ``https://`` and builds the ARN from that form, while EKS reports
    the issuer as ``https://oidc.eks.<region>.amazonaws.com/id/<ID>``; both map to the same value.
    """
    if url is None:
        return None
    value = url.strip()
    lowered = value.lower()
    for scheme in ("https://", "http://"):
        if lowered.startswith(scheme):
            value = value[len(scheme):]
            break
    return value.rstrip("/")


def issuer_url(url):
    """The ``https://`` form of an issuer, as EKS reports it."""
    return "https://" + normalize_url(url)


def arn_matches_url(arn, url):
    """True when ``arn`` is the IAM OIDC provider ARN for issuer ``url``."""
    if not arn or ARN_MARKER not in arn:
        return False
    return arn.split(ARN_MARKER, 1)[1] == normalize_url(url)


def normalize_thumbprints(thumbprints):
    """Thumbprints are hex SHA-1 digests; IAM compares them case-insensitively and unordered."""
    if thumbprints is None:
        return None
    return sorted(set(t.strip().lower() for t in thumbprints))


def thumbprint_problem(thumbprints):
    """Why IAM would refuse ``thumbprints`` (each must be 40 hex digits, at most 5), or None.

    Checked before any call so that check mode reports the same failure a real run would.
    """
    if thumbprints is None:
        return None
    bad = [t for t in thumbprints if not _THUMBPRINT.match(t.strip())]
    if bad:
        return "thumbprints must be SHA-1 fingerprints of 40 hexadecimal digits, got {0}".format(", ".join(repr(t) for t in bad))
    if len(normalize_thumbprints(thumbprints)) > MAX_THUMBPRINTS:
        return "IAM accepts at most {0} thumbprints per provider".format(MAX_THUMBPRINTS)
    return None


def normalize_client_ids(client_ids):
    if client_ids is None:
        return None
    seen = []
    for client_id in client_ids:
        if client_id not in seen:
            seen.append(client_id)
    return seen


def plan_update(current, client_ids=None, purge_client_ids=True, thumbprints=None, tags=None, purge_tags=True):
    """Work out what must change to bring ``current`` to the requested state.

    ``current`` is a provider as returned by :func:`describe_provider` (``client_ids``,
    ``thumbprints``, ``tags``). ``None`` for ``client_ids``, ``thumbprints`` or ``tags`` means
    "leave as it is". Returns a dict with ``add_client_ids``, ``remove_client_ids``,
    ``thumbprints`` (the new list, or None when unchanged), ``set_tags`` and ``unset_tags``.
    """
    plan = dict(add_client_ids=[], remove_client_ids=[], thumbprints=None, set_tags={}, unset_tags=[])

    current_ids = current.get("client_ids") or []
    if client_ids is not None:
        wanted = normalize_client_ids(client_ids)
        plan["add_client_ids"] = [c for c in wanted if c not in current_ids]
        if purge_client_ids:
            plan["remove_client_ids"] = [c for c in current_ids if c not in wanted]

    if thumbprints is not None:
        wanted_tp = normalize_thumbprints(thumbprints)
        if wanted_tp != normalize_thumbprints(current.get("thumbprints") or []):
            plan["thumbprints"] = wanted_tp

    if tags is not None:
        plan["set_tags"], plan["unset_tags"] = diff_tags(current.get("tags"), tags, purge_tags)
    return plan


def plan_has_changes(plan):
    return bool(
        plan["add_client_ids"] or plan["remove_client_ids"] or plan["thumbprints"] is not None
        or plan["set_tags"] or plan["unset_tags"]
    )


def apply_plan_to_state(current, plan):
    """The provider as it will look once ``plan`` is applied (for check mode and diff)."""
    client_ids = [c for c in (current.get("client_ids") or []) if c not in plan["remove_client_ids"]]
    client_ids.extend(plan["add_client_ids"])
    tags = dict(current.get("tags") or {})
    for key in plan["unset_tags"]:
        tags.pop(key, None)
    tags.update(plan["set_tags"])
    thumbprints = plan["thumbprints"] if plan["thumbprints"] is not None else list(current.get("thumbprints") or [])
    return dict(current, client_ids=client_ids, thumbprints=thumbprints, tags=tags)


def tags_match(tags, wanted):
    """True when ``tags`` carry every key of ``wanted`` with the same value (IAM tag values are strings)."""
    tags = tags or {}
    return all(key in tags and tags[key] == str(value) for key, value in (wanted or {}).items())


def diff_view(provider):
    """The part of a provider shown in ``--diff`` output (stable ordering)."""
    if not provider:
        return {}
    return dict(
        url=provider.get("url"),
        client_ids=sorted(provider.get("client_ids") or []),
        thumbprints=normalize_thumbprints(provider.get("thumbprints") or []),
        tags=dict(sorted((provider.get("tags") or {}).items())),
    )


# ---- IAM calls -------------------------------------------------------------------------


@IAMErrorHandler.list_error_handler("list OpenID Connect providers", [])
@THROTTLING_AND_SERVER_ERRORS
def _list_provider_arns(client):
    return [p["Arn"] for p in client.list_open_id_connect_providers().get("OpenIDConnectProviderList", [])]


@IAMErrorHandler.list_error_handler("get OpenID Connect provider {arn}")
@THROTTLING_AND_SERVER_ERRORS
def _get_provider(client, arn):
    return client.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)


@IAMErrorHandler.list_error_handler("list tags of OpenID Connect provider {arn}", [])
@THROTTLING_AND_SERVER_ERRORS
def _list_provider_tags(client, arn):
    tags = []
    kwargs = dict(OpenIDConnectProviderArn=arn)
    while True:
        page = client.list_open_id_connect_provider_tags(**kwargs)
        tags.extend(page.get("Tags", []))
        if not page.get("IsTruncated"):
            return tags
        kwargs["Marker"] = page["Marker"]


def find_provider_arn(client, url):
    for arn in _list_provider_arns(client):
        if arn_matches_url(arn, url):
            return arn
    return None


def list_providers(client, url=None, tags=None):
    """Every provider (as :func:`describe_provider` returns it), of issuer ``url`` only when given, carrying
    all of ``tags`` (IAM can't filter providers by tag, so each one's tags are read)."""
    arns = [arn for arn in _list_provider_arns(client) if url is None or arn_matches_url(arn, url)]
    providers = (describe_provider(client, arn) for arn in arns)
    return [provider for provider in providers if provider is not None and tags_match(provider["tags"], tags)]


def describe_provider(client, arn):
    """The provider as this collection returns it, or None when it does not exist."""
    raw = _get_provider(client, arn)
    if raw is None:
        return None
    tags = _list_provider_tags(client, arn)
    return dict(
        arn=arn,
        url=issuer_url(raw["Url"]),
        client_ids=list(raw.get("ClientIDList") or []),
        thumbprints=list(raw.get("ThumbprintList") or []),
        tags=boto3_tag_list_to_ansible_dict(tags),
    )


@IAMErrorHandler.common_error_handler("create OpenID Connect provider {url}")
@THROTTLING_AND_SERVER_ERRORS
def create_provider(client, url, client_ids, thumbprints=None, tags=None):
    kwargs = dict(Url=issuer_url(url), ClientIDList=normalize_client_ids(client_ids))
    # ThumbprintList is optional in the IAM API (botocore model: only Url is required); when it is
    # left out IAM works the thumbprint out itself and, for EKS issuers, trusts its own CA library.
    if thumbprints is not None:
        kwargs["ThumbprintList"] = normalize_thumbprints(thumbprints)
    if tags:
        kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return client.create_open_id_connect_provider(**kwargs)["OpenIDConnectProviderArn"]


@IAMErrorHandler.deletion_error_handler("delete OpenID Connect provider {arn}")
@THROTTLING_AND_SERVER_ERRORS
def delete_provider(client, arn):
    client.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    return True


@IAMErrorHandler.common_error_handler("add client ID {client_id} to OpenID Connect provider {arn}")
@THROTTLING_AND_SERVER_ERRORS
def add_client_id(client, arn, client_id):
    client.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID=client_id)


@IAMErrorHandler.common_error_handler("remove client ID {client_id} from OpenID Connect provider {arn}")
@THROTTLING_AND_SERVER_ERRORS
def remove_client_id(client, arn, client_id):
    client.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID=client_id)


@IAMErrorHandler.common_error_handler("update thumbprints of OpenID Connect provider {arn}")
@THROTTLING_AND_SERVER_ERRORS
def update_thumbprints(client, arn, thumbprints):
    client.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=thumbprints)


@IAMErrorHandler.common_error_handler("tag OpenID Connect provider {arn}")
@THROTTLING_AND_SERVER_ERRORS
def tag_provider(client, arn, tags):
    client.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=ansible_dict_to_boto3_tag_list(tags))


@IAMErrorHandler.common_error_handler("untag OpenID Connect provider {arn}")
@THROTTLING_AND_SERVER_ERRORS
def untag_provider(client, arn, tag_keys):
    client.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=tag_keys)


def apply_plan(client, arn, plan):
    """Make the calls of ``plan``. Client IDs are added before any are removed, so the provider is
    never left without an audience while it is being changed."""
    for client_id in plan["add_client_ids"]:
        add_client_id(client, arn, client_id)
    for client_id in plan["remove_client_ids"]:
        remove_client_id(client, arn, client_id)
    if plan["thumbprints"] is not None:
        update_thumbprints(client, arn, plan["thumbprints"])
    if plan["unset_tags"]:
        untag_provider(client, arn, plan["unset_tags"])
    if plan["set_tags"]:
        tag_provider(client, arn, plan["set_tags"])
