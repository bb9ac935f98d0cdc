"""Authorization of service accounts by RBAC. EKS identities get their rights from access policies (auth.py);
service accounts have no access entry, so, as in EKS, the RoleBindings and ClusterRoleBindings naming them (or
their groups) decide. The default ClusterRoles the policies are modelled on (cluster-admin, admin, edit, view)
stand for those policies' rules unless a ClusterRole of that name is stored."""

from __future__ import annotations

from . import auth, kinds
from .service_accounts import USER_PREFIX

_RBAC = "rbac.authorization.k8s.io"
ROLES, ROLE_BINDINGS, CLUSTER_ROLES, CLUSTER_ROLE_BINDINGS = (
    kinds.builtin_by_kind(_RBAC, kind) for kind in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"))
DEFAULT_CLUSTER_ROLES = {"cluster-admin": "AmazonEKSClusterAdminPolicy", "admin": "AmazonEKSAdminPolicy",
                         "edit": "AmazonEKSEditPolicy", "view": "AmazonEKSViewPolicy"}
WILDCARD = "*"


def is_service_account(user: str) -> bool:
    return user.startswith(USER_PREFIX)


def groups_of(user: str) -> list[str]:
    namespace = user[len(USER_PREFIX):].split(":", 1)[0]
    return ["system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"]


def allowed(objects, user: str, verb: str, rtype, namespace: str | None) -> bool:
    if rtype.plural in auth.ALWAYS_ALLOWED:
        return True
    for binding in objects.list(CLUSTER_ROLE_BINDINGS)["items"]:
        if _binds(binding, user) and _role_allows(objects, binding, verb, rtype):
            return True
    if not (rtype.namespaced and namespace):
        return False
    return any(_binds(binding, user) and _role_allows(objects, binding, verb, rtype)
               for binding in objects.list(ROLE_BINDINGS, namespace)["items"])


def _binds(binding: dict, user: str) -> bool:
    account_namespace, _, account = user[len(USER_PREFIX):].partition(":")
    for subject in binding.get("subjects") or []:
        kind = subject.get("kind")
        if kind == "ServiceAccount" and subject.get("name") == account and \
                (subject.get("namespace") or binding["metadata"].get("namespace")) == account_namespace:
            return True
        if (kind, subject.get("name")) in (("User", user), *(("Group", g) for g in groups_of(user))):
            return True
    return False


def _role_allows(objects, binding: dict, verb: str, rtype) -> bool:
    ref = binding.get("roleRef") or {}
    if ref.get("kind") == "Role":
        role = objects.find(ROLES, binding["metadata"].get("namespace", ""), ref.get("name"))
    else:
        role = objects.find(CLUSTER_ROLES, "", ref.get("name"))
        if role is None and ref.get("name") in DEFAULT_CLUSTER_ROLES:
            return auth.POLICIES[DEFAULT_CLUSTER_ROLES[ref["name"]]](verb, rtype)
    return role is not None and any(_rule_allows(rule, verb, rtype) for rule in role.get("rules") or [])


def _rule_allows(rule: dict, verb: str, rtype) -> bool:
    # A rule limited to resourceNames never grants a verb on the whole resource (list, create, ...).
    return not rule.get("resourceNames") and _has(rule.get("verbs"), verb) and \
        _has(rule.get("apiGroups"), rtype.group) and _has(rule.get("resources"), rtype.plural)


def _has(values, wanted: str) -> bool:
    return WILDCARD in (values or []) or wanted in (values or [])
