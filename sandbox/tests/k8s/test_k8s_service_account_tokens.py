"""Service account tokens: `kubectl create token` (TokenRequest, expirationSeconds honored) and the token controller's
`kubernetes.io/service-account-token` Secrets; the emulator accepts either token as the service account, which RBAC
then authorizes, and refuses it once expired or once its account (or Secret) is gone."""

from __future__ import annotations

import base64
import json

import pytest
import yaml

from sandbox.tests.k8s.k8s_helpers import kubectl_with_token, wait_until


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.mark.parametrize("version", ["1.32", ""])
def test_create_token_is_accepted_for_its_account_until_it_expires(eks, namespace, moved_clock, tmp_path, version):
    ok(eks.kubectl("create", "serviceaccount", "robot", namespace=namespace))
    token = ok(eks.kubectl("create", "token", "robot", "--duration=20m", version=version, namespace=namespace)).strip()
    found = claims(token)
    assert found["exp"] - found["iat"] == 1200 and found["aud"] == ["https://kubernetes.default.svc"]
    assert found["sub"] == f"system:serviceaccount:{namespace}:robot" and found["iss"].startswith("https://oidc.eks.")
    default = claims(ok(eks.kubectl("create", "token", "robot", version=version, namespace=namespace)).strip())
    assert default["exp"] - default["iat"] == 3600

    whoami = ok(kubectl_with_token(eks, tmp_path, token, "auth", "whoami", "-o", "json"))
    assert json.loads(whoami)["status"]["userInfo"]["username"] == f"system:serviceaccount:{namespace}:robot"
    moved_clock(19 * 60)
    assert kubectl_with_token(eks, tmp_path, token, "auth", "whoami").returncode == 0
    moved_clock(20 * 60 + 5)
    refused = kubectl_with_token(eks, tmp_path, token, "auth", "whoami")
    assert refused.returncode != 0 and "Unauthorized" in refused.stderr


def test_token_requests_are_validated(eks, namespace):
    ok(eks.kubectl("create", "serviceaccount", "robot", namespace=namespace))
    short = eks.kubectl("create", "token", "robot", "--duration=5m", namespace=namespace)
    assert short.returncode != 0 and "may not specify a duration less than 10 minutes" in short.stderr
    missing = eks.kubectl("create", "token", "nobody", namespace=namespace)
    assert missing.returncode != 0 and 'serviceaccounts "nobody" not found' in missing.stderr
    other = ok(eks.kubectl("create", "token", "robot", "--audience=sts.amazonaws.com", namespace=namespace)).strip()
    assert claims(other)["aud"] == ["sts.amazonaws.com"]
    assert eks.request("GET", "/api/v1/namespaces/default", token=other).status == 401  # not for this API server


def test_service_account_is_authorized_by_rbac(eks, namespace, tmp_path):
    from kubernetes import client

    ok(eks.kubectl("create", "serviceaccount", "reader", namespace=namespace))
    answer = client.CoreV1Api(eks.api_client()).create_namespaced_service_account_token(
        "reader", namespace, client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(
            audiences=[], expiration_seconds=900)))
    token = answer.status.token
    assert claims(token)["exp"] - claims(token)["iat"] == 900
    denied = kubectl_with_token(eks, tmp_path, token, "get", "pods", "-n", namespace)
    assert denied.returncode != 0 and "forbidden" in denied.stderr
    ok(eks.kubectl("create", "rolebinding", "reader-view", "--clusterrole=view",
                   f"--serviceaccount={namespace}:reader", namespace=namespace))
    ok(kubectl_with_token(eks, tmp_path, token, "get", "pods", "-n", namespace))
    allowed = ok(kubectl_with_token(eks, tmp_path, token, "auth", "can-i", "list", "pods", "-n", namespace))
    assert allowed.strip() == "yes"
    assert kubectl_with_token(eks, tmp_path, token, "auth", "can-i", "list", "pods", "-n", "default"
                              ).stdout.startswith("no")
    ok(eks.kubectl("create", "role", "cm-writer", "--verb=create,get", "--resource=configmaps", namespace=namespace))
    ok(eks.kubectl("create", "rolebinding", "cm-writer", "--role=cm-writer", f"--serviceaccount={namespace}:reader",
                   namespace=namespace))
    ok(kubectl_with_token(eks, tmp_path, token, "create", "configmap", "made-by-robot", "-n", namespace))
    assert kubectl_with_token(eks, tmp_path, token, "delete", "configmap", "made-by-robot", "-n", namespace
                              ).returncode != 0


def test_token_secrets_are_filled_and_go_with_their_account(eks, namespace, tmp_path):
    ok(eks.kubectl("create", "serviceaccount", "builder", namespace=namespace))
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
              "metadata": {"name": "builder-token", "annotations": {"kubernetes.io/service-account.name": "builder"}}}
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(secret), namespace=namespace))

    def filled():
        found = json.loads(ok(eks.kubectl("get", "secret", "builder-token", "-o", "json", namespace=namespace)))
        return found if "token" in (found.get("data") or {}) else None

    stored = wait_until(filled)
    data = {k: base64.b64decode(v).decode() for k, v in stored["data"].items()}
    account = json.loads(ok(eks.kubectl("get", "sa", "builder", "-o", "json", namespace=namespace)))
    assert data["namespace"] == namespace and data["ca.crt"] == eks.ca.read_text()
    assert stored["metadata"]["annotations"]["kubernetes.io/service-account.uid"] == account["metadata"]["uid"]
    assert claims(data["token"])["iss"] == "kubernetes/serviceaccount"
    whoami = json.loads(ok(kubectl_with_token(eks, tmp_path, data["token"], "auth", "whoami", "-o", "json")))
    assert whoami["status"]["userInfo"]["username"] == f"system:serviceaccount:{namespace}:builder"
    assert "system:serviceaccounts" in whoami["status"]["userInfo"]["groups"]

    ok(eks.kubectl("delete", "serviceaccount", "builder", namespace=namespace))
    wait_until(lambda: eks.kubectl("get", "secret", "builder-token", namespace=namespace).returncode != 0)
    assert kubectl_with_token(eks, tmp_path, data["token"], "auth", "whoami").returncode != 0
