"""The token controller: fills `kubernetes.io/service-account-token` Secrets (token, ca.crt, namespace and the
account's uid annotation) for the ServiceAccount they name, and deletes them once that account is gone."""

from __future__ import annotations

import base64

from .. import service_accounts as accounts
from .context import SERVICE_ACCOUNTS, Context, live

SECRETS = accounts.SECRETS
NAME = "service-account-tokens"


def reconcile(ctx: Context) -> None:
    if not ctx.changed(NAME, SECRETS, SERVICE_ACCOUNTS):
        return
    for secret in live(ctx.list(SECRETS)):
        if secret.get("type") != accounts.SECRET_TYPE:
            continue
        meta = secret["metadata"]
        annotations = meta.get("annotations") or {}
        account = ctx.find(SERVICE_ACCOUNTS, meta["namespace"], annotations.get(accounts.SA_NAME, ""))
        if account is None or annotations.get(accounts.SA_UID, account["metadata"]["uid"]) != \
                account["metadata"]["uid"]:
            ctx.delete(SECRETS, secret)
            continue
        data = secret.get("data") or {}
        if annotations.get(accounts.SA_UID) and data.get("token"):
            continue
        meta["annotations"] = {**annotations, accounts.SA_UID: account["metadata"]["uid"]}
        secret["data"] = {**data, **{key: base64.b64encode(value.encode()).decode() for key, value in (
            ("token", accounts.legacy_token(ctx.info, account, secret)), ("ca.crt", accounts.ca_pem()),
            ("namespace", meta["namespace"]))}}
        ctx.update(SECRETS, secret)
