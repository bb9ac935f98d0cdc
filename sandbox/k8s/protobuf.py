"""Decoding the Kubernetes protobuf envelope for the kinds typed client-go clients send that way.

Recent client-go clientsets (helm for its release Secrets, kubectl's `create deployment/job/...` commands) send
request bodies as `application/vnd.kubernetes.protobuf`. Responses are always JSON, which those clients accept too.
Only the kinds in MESSAGES can be decoded; anything else gets a clear 415. Field numbers follow the published
generated.proto files of k8s.io/api and k8s.io/apimachinery.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone

from .errors import ApiError

MAGIC = b"k8s\x00"

# A message schema maps field number -> (JSON name, type). Types: "string", "bytes", "int", "bool", "time",
# a nested schema (dict), ("map", value type) for map<string, T>, ("repeated", type). The name INLINE marks an
# embedded struct whose fields JSON writes into the parent (`json:",inline"`, such as a Volume's VolumeSource).
INLINE = ""
TIME = "time"
TYPE_META = {1: ("apiVersion", "string"), 2: ("kind", "string")}
UNKNOWN = {1: ("typeMeta", TYPE_META), 2: ("raw", "raw"), 3: ("contentEncoding", "string"),
           4: ("contentType", "string")}
OWNER_REFERENCE = {1: ("kind", "string"), 3: ("name", "string"), 4: ("uid", "string"), 5: ("apiVersion", "string"),
                   6: ("controller", "bool"), 7: ("blockOwnerDeletion", "bool")}
FIELDS_V1 = {1: ("Raw", "raw")}
MANAGED_FIELDS_ENTRY = {1: ("manager", "string"), 2: ("operation", "string"), 3: ("apiVersion", "string"),
                        4: ("time", TIME), 6: ("fieldsType", "string"), 7: ("fieldsV1", FIELDS_V1),
                        8: ("subresource", "string")}
OBJECT_META = {
    1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"), 4: ("selfLink", "string"),
    5: ("uid", "string"), 6: ("resourceVersion", "string"), 7: ("generation", "plainint"), 8: ("creationTimestamp", TIME),
    9: ("deletionTimestamp", TIME), 10: ("deletionGracePeriodSeconds", "int"), 11: ("labels", ("map", "string")),
    12: ("annotations", ("map", "string")), 13: ("ownerReferences", ("repeated", OWNER_REFERENCE)),
    14: ("finalizers", ("repeated", "string")), 17: ("managedFields", ("repeated", MANAGED_FIELDS_ENTRY)),
}
PRECONDITIONS = {1: ("uid", "string"), 2: ("resourceVersion", "string")}
RESOURCE_ATTRIBUTES = {1: ("namespace", "string"), 2: ("verb", "string"), 3: ("group", "string"),
                       4: ("version", "string"), 5: ("resource", "string"), 6: ("subresource", "string"),
                       7: ("name", "string")}
NON_RESOURCE_ATTRIBUTES = {1: ("path", "string"), 2: ("verb", "string")}
# Workloads as kubectl's typed commands build them (create deployment/job/cronjob/service/role/rolebinding/pdb,
# autoscale, create job --from=cronjob, which copies the CronJob's template as the server returned it).
# "int"/"bool" are pointer fields (a zero is meaningful); "plainint"/"plainbool" are always marshalled, so a zero
# there means "not set", as its omitted JSON form does.
QUANTITY = "quantity"
INT_OR_STRING = "intorstring"
LABEL_SELECTOR = {1: ("matchLabels", ("map", "string")),
                  2: ("matchExpressions", ("repeated", {1: ("key", "string"), 2: ("operator", "string"),
                                                        3: ("values", ("repeated", "string"))}))}
LOCAL_OBJECT_REFERENCE = {1: ("name", "string")}
KEY_SELECTOR = {1: (INLINE, LOCAL_OBJECT_REFERENCE), 2: ("key", "string"), 3: ("optional", "bool")}
ENV_VAR = {1: ("name", "string"), 2: ("value", "string"), 3: ("valueFrom", {
    1: ("fieldRef", {1: ("apiVersion", "string"), 2: ("fieldPath", "string")}),
    3: ("configMapKeyRef", KEY_SELECTOR), 4: ("secretKeyRef", KEY_SELECTOR)})}
CONTAINER_PORT = {1: ("name", "string"), 2: ("hostPort", "plainint"), 3: ("containerPort", "plainint"),
                  4: ("protocol", "string"), 5: ("hostIP", "string")}
RESOURCES = {1: ("limits", ("map", QUANTITY)), 2: ("requests", ("map", QUANTITY))}
VOLUME_MOUNT = {1: ("name", "string"), 2: ("readOnly", "plainbool"), 3: ("mountPath", "string"),
                4: ("subPath", "string")}
# Pods as `kubectl debug --copy-to` (the copied spec) and `kubectl debug node/...` build them.
ENV_FROM = {1: ("prefix", "string"), 2: ("configMapRef", {1: (INLINE, LOCAL_OBJECT_REFERENCE), 2: ("optional", "bool")}),
            3: ("secretRef", {1: (INLINE, LOCAL_OBJECT_REFERENCE), 2: ("optional", "bool")})}
PROBE_HANDLER = {1: ("exec", {1: ("command", ("repeated", "string"))}),
                 2: ("httpGet", {1: ("path", "string"), 2: ("port", INT_OR_STRING), 3: ("host", "string"),
                                 4: ("scheme", "string"),
                                 5: ("httpHeaders", ("repeated", {1: ("name", "string"), 2: ("value", "string")}))}),
                 3: ("tcpSocket", {1: ("port", INT_OR_STRING), 2: ("host", "string")}),
                 4: ("grpc", {1: ("port", "plainint"), 2: ("service", "string")})}
PROBE = {1: (INLINE, PROBE_HANDLER), 2: ("initialDelaySeconds", "plainint"), 3: ("timeoutSeconds", "plainint"),
         4: ("periodSeconds", "plainint"), 5: ("successThreshold", "plainint"), 6: ("failureThreshold", "plainint"),
         7: ("terminationGracePeriodSeconds", "int")}
SECCOMP_PROFILE = {1: ("type", "string"), 2: ("localhostProfile", "string")}
SECURITY_CONTEXT = {1: ("capabilities", {1: ("add", ("repeated", "string")), 2: ("drop", ("repeated", "string"))}),
                    2: ("privileged", "bool"), 4: ("runAsUser", "int"), 5: ("runAsNonRoot", "bool"),
                    6: ("readOnlyRootFilesystem", "bool"), 7: ("allowPrivilegeEscalation", "bool"),
                    8: ("runAsGroup", "int"), 11: ("seccompProfile", SECCOMP_PROFILE)}
POD_SECURITY_CONTEXT = {2: ("runAsUser", "int"), 3: ("runAsNonRoot", "bool"),
                        4: ("supplementalGroups", ("repeated", "plainint")), 5: ("fsGroup", "int"),
                        6: ("runAsGroup", "int"), 10: ("seccompProfile", SECCOMP_PROFILE)}
CONTAINER = {1: ("name", "string"), 2: ("image", "string"), 3: ("command", ("repeated", "string")),
             4: ("args", ("repeated", "string")), 5: ("workingDir", "string"),
             6: ("ports", ("repeated", CONTAINER_PORT)), 7: ("env", ("repeated", ENV_VAR)), 8: ("resources", RESOURCES),
             9: ("volumeMounts", ("repeated", VOLUME_MOUNT)), 10: ("livenessProbe", PROBE), 11: ("readinessProbe", PROBE),
             13: ("terminationMessagePath", "string"), 14: ("imagePullPolicy", "string"),
             15: ("securityContext", SECURITY_CONTEXT), 16: ("stdin", "plainbool"), 17: ("stdinOnce", "plainbool"),
             18: ("tty", "plainbool"), 19: ("envFrom", ("repeated", ENV_FROM)), 20: ("terminationMessagePolicy", "string"),
             22: ("startupProbe", PROBE)}
KEY_TO_PATH = {1: ("key", "string"), 2: ("path", "string"), 3: ("mode", "int")}
DOWNWARD_API_FILE = {1: ("path", "string"), 2: ("fieldRef", {1: ("apiVersion", "string"), 2: ("fieldPath", "string")}),
                     4: ("mode", "int")}
VOLUME_PROJECTION = {
    1: ("secret", {1: (INLINE, LOCAL_OBJECT_REFERENCE), 2: ("items", ("repeated", KEY_TO_PATH)), 4: ("optional", "bool")}),
    2: ("downwardAPI", {1: ("items", ("repeated", DOWNWARD_API_FILE))}),
    3: ("configMap", {1: (INLINE, LOCAL_OBJECT_REFERENCE), 2: ("items", ("repeated", KEY_TO_PATH)),
                      4: ("optional", "bool")}),
    4: ("serviceAccountToken", {1: ("audience", "string"), 2: ("expirationSeconds", "int"), 3: ("path", "string")})}
VOLUME_SOURCE = {
    1: ("hostPath", {1: ("path", "string"), 2: ("type", "string")}),
    2: ("emptyDir", {1: ("medium", "string"), 2: ("sizeLimit", QUANTITY)}),
    6: ("secret", {1: ("secretName", "string"), 2: ("items", ("repeated", KEY_TO_PATH)), 3: ("defaultMode", "int"),
                   4: ("optional", "bool")}),
    10: ("persistentVolumeClaim", {1: ("claimName", "string"), 2: ("readOnly", "plainbool")}),
    16: ("downwardAPI", {1: ("items", ("repeated", DOWNWARD_API_FILE)), 2: ("defaultMode", "int")}),
    19: ("configMap", {1: (INLINE, LOCAL_OBJECT_REFERENCE), 2: ("items", ("repeated", KEY_TO_PATH)),
                       3: ("defaultMode", "int"), 4: ("optional", "bool")}),
    26: ("projected", {1: ("sources", ("repeated", VOLUME_PROJECTION)), 2: ("defaultMode", "int")})}
TOLERATION = {1: ("key", "string"), 2: ("operator", "string"), 3: ("value", "string"), 4: ("effect", "string"),
              5: ("tolerationSeconds", "int")}
NODE_SELECTOR_TERM = {1: ("matchExpressions", ("repeated", {1: ("key", "string"), 2: ("operator", "string"),
                                                            3: ("values", ("repeated", "string"))}))}
POD_AFFINITY_TERM = {1: ("labelSelector", LABEL_SELECTOR), 2: ("namespaces", ("repeated", "string")),
                     3: ("topologyKey", "string"), 4: ("namespaceSelector", LABEL_SELECTOR)}
POD_AFFINITY = {1: ("requiredDuringSchedulingIgnoredDuringExecution", ("repeated", POD_AFFINITY_TERM)),
                2: ("preferredDuringSchedulingIgnoredDuringExecution", ("repeated", {
                    1: ("weight", "plainint"), 2: ("podAffinityTerm", POD_AFFINITY_TERM)}))}
AFFINITY = {
    1: ("nodeAffinity", {
        1: ("requiredDuringSchedulingIgnoredDuringExecution", {1: ("nodeSelectorTerms", ("repeated", NODE_SELECTOR_TERM))}),
        2: ("preferredDuringSchedulingIgnoredDuringExecution", ("repeated", {
            1: ("weight", "plainint"), 2: ("preference", NODE_SELECTOR_TERM)}))}),
    2: ("podAffinity", POD_AFFINITY), 3: ("podAntiAffinity", POD_AFFINITY)}
TOPOLOGY_SPREAD_CONSTRAINT = {1: ("maxSkew", "plainint"), 2: ("topologyKey", "string"),
                              3: ("whenUnsatisfiable", "string"), 4: ("labelSelector", LABEL_SELECTOR),
                              5: ("minDomains", "int"), 8: ("matchLabelKeys", ("repeated", "string"))}
POD_SPEC = {1: ("volumes", ("repeated", {1: ("name", "string"), 2: (INLINE, VOLUME_SOURCE)})),
            2: ("containers", ("repeated", CONTAINER)), 3: ("restartPolicy", "string"),
            4: ("terminationGracePeriodSeconds", "int"), 5: ("activeDeadlineSeconds", "int"),
            6: ("dnsPolicy", "string"), 7: ("nodeSelector", ("map", "string")), 8: ("serviceAccountName", "string"),
            9: ("serviceAccount", "string"), 10: ("nodeName", "string"), 11: ("hostNetwork", "plainbool"),
            12: ("hostPID", "plainbool"), 13: ("hostIPC", "plainbool"), 14: ("securityContext", POD_SECURITY_CONTEXT),
            15: ("imagePullSecrets", ("repeated", LOCAL_OBJECT_REFERENCE)), 16: ("hostname", "string"),
            17: ("subdomain", "string"), 18: ("affinity", AFFINITY), 19: ("schedulerName", "string"),
            20: ("initContainers", ("repeated", CONTAINER)), 21: ("automountServiceAccountToken", "bool"),
            22: ("tolerations", ("repeated", TOLERATION)), 24: ("priorityClassName", "string"), 25: ("priority", "int"),
            27: ("shareProcessNamespace", "bool"), 29: ("runtimeClassName", "string"),
            30: ("enableServiceLinks", "bool"), 31: ("preemptionPolicy", "string"),
            33: ("topologySpreadConstraints", ("repeated", TOPOLOGY_SPREAD_CONSTRAINT))}
POD_TEMPLATE = {1: ("metadata", OBJECT_META), 2: ("spec", POD_SPEC)}
JOB_SPEC = {1: ("parallelism", "int"), 2: ("completions", "int"), 3: ("activeDeadlineSeconds", "int"),
            4: ("selector", LABEL_SELECTOR), 5: ("manualSelector", "bool"), 6: ("template", POD_TEMPLATE),
            7: ("backoffLimit", "int"), 8: ("ttlSecondsAfterFinished", "int"), 9: ("completionMode", "string"),
            10: ("suspend", "bool")}
CRON_JOB_SPEC = {1: ("schedule", "string"), 2: ("startingDeadlineSeconds", "int"), 3: ("concurrencyPolicy", "string"),
                 4: ("suspend", "bool"), 5: ("jobTemplate", {1: ("metadata", OBJECT_META), 2: ("spec", JOB_SPEC)}),
                 6: ("successfulJobsHistoryLimit", "int"), 7: ("failedJobsHistoryLimit", "int"),
                 8: ("timeZone", "string")}
DEPLOYMENT_SPEC = {1: ("replicas", "int"), 2: ("selector", LABEL_SELECTOR), 3: ("template", POD_TEMPLATE),
                   4: ("strategy", {1: ("type", "string"), 2: ("rollingUpdate", {1: ("maxUnavailable", INT_OR_STRING),
                                                                                 2: ("maxSurge", INT_OR_STRING)})}),
                   5: ("minReadySeconds", "plainint"), 6: ("revisionHistoryLimit", "int"), 7: ("paused", "plainbool"),
                   9: ("progressDeadlineSeconds", "int")}
SERVICE_PORT = {1: ("name", "string"), 2: ("protocol", "string"), 3: ("port", "plainint"),
                4: ("targetPort", INT_OR_STRING), 5: ("nodePort", "plainint"), 6: ("appProtocol", "string")}
SERVICE_SPEC = {1: ("ports", ("repeated", SERVICE_PORT)), 2: ("selector", ("map", "string")),
                3: ("clusterIP", "string"), 4: ("type", "string"), 5: ("externalIPs", ("repeated", "string")),
                7: ("sessionAffinity", "string"), 10: ("externalName", "string")}
POLICY_RULE = {1: ("verbs", ("repeated", "string")), 2: ("apiGroups", ("repeated", "string")),
               3: ("resources", ("repeated", "string")), 4: ("resourceNames", ("repeated", "string")),
               5: ("nonResourceURLs", ("repeated", "string"))}
SUBJECT = {1: ("kind", "string"), 2: ("apiGroup", "string"), 3: ("name", "string"), 4: ("namespace", "string")}
ROLE_REF = {1: ("apiGroup", "string"), 2: ("kind", "string"), 3: ("name", "string")}
SCALE_TARGET = {1: ("kind", "string"), 2: ("name", "string"), 3: ("apiVersion", "string")}
METRIC_TARGET = {1: ("type", "string"), 2: ("value", QUANTITY), 3: ("averageValue", QUANTITY),
                 4: ("averageUtilization", "int")}
METRIC_SPEC = {1: ("type", "string"), 4: ("resource", {1: ("name", "string"), 2: ("target", METRIC_TARGET)})}

MESSAGES = {
    ("v1", "Pod"): {1: ("metadata", OBJECT_META), 2: ("spec", POD_SPEC)},
    ("apps/v1", "Deployment"): {1: ("metadata", OBJECT_META), 2: ("spec", DEPLOYMENT_SPEC)},
    ("batch/v1", "Job"): {1: ("metadata", OBJECT_META), 2: ("spec", JOB_SPEC)},
    ("batch/v1", "CronJob"): {1: ("metadata", OBJECT_META), 2: ("spec", CRON_JOB_SPEC)},
    ("v1", "Service"): {1: ("metadata", OBJECT_META), 2: ("spec", SERVICE_SPEC)},
    ("policy/v1", "PodDisruptionBudget"): {1: ("metadata", OBJECT_META), 2: ("spec", {
        1: ("minAvailable", INT_OR_STRING), 2: ("selector", LABEL_SELECTOR), 3: ("maxUnavailable", INT_OR_STRING),
        4: ("unhealthyPodEvictionPolicy", "string")})},
    ("rbac.authorization.k8s.io/v1", "Role"): {1: ("metadata", OBJECT_META), 2: ("rules", ("repeated", POLICY_RULE))},
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): {1: ("metadata", OBJECT_META),
                                                      2: ("rules", ("repeated", POLICY_RULE))},
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): {1: ("metadata", OBJECT_META),
                                                      2: ("subjects", ("repeated", SUBJECT)), 3: ("roleRef", ROLE_REF)},
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): {1: ("metadata", OBJECT_META),
                                                             2: ("subjects", ("repeated", SUBJECT)),
                                                             3: ("roleRef", ROLE_REF)},
    ("autoscaling/v2", "HorizontalPodAutoscaler"): {1: ("metadata", OBJECT_META), 2: ("spec", {
        1: ("scaleTargetRef", SCALE_TARGET), 2: ("minReplicas", "int"), 3: ("maxReplicas", "plainint"),
        4: ("metrics", ("repeated", METRIC_SPEC))})},
    ("autoscaling/v1", "HorizontalPodAutoscaler"): {1: ("metadata", OBJECT_META), 2: ("spec", {
        1: ("scaleTargetRef", SCALE_TARGET), 2: ("minReplicas", "int"), 3: ("maxReplicas", "plainint"),
        4: ("targetCPUUtilizationPercentage", "int")})},
    ("v1", "Secret"): {1: ("metadata", OBJECT_META), 2: ("data", ("map", "bytes")), 3: ("type", "string"),
                       4: ("stringData", ("map", "string")), 5: ("immutable", "bool")},
    ("v1", "ConfigMap"): {1: ("metadata", OBJECT_META), 2: ("data", ("map", "string")),
                          3: ("binaryData", ("map", "bytes")), 4: ("immutable", "bool")},
    ("v1", "Namespace"): {1: ("metadata", OBJECT_META), 2: ("spec", {1: ("finalizers", ("repeated", "string"))}),
                          3: ("status", {1: ("phase", "string")})},
    ("v1", "ServiceAccount"): {1: ("metadata", OBJECT_META)},
    ("authentication.k8s.io/v1", "SelfSubjectReview"): {1: ("metadata", OBJECT_META)},
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): {
        1: ("metadata", OBJECT_META),
        2: ("spec", {1: ("resourceAttributes", RESOURCE_ATTRIBUTES), 2: ("nonResourceAttributes", NON_RESOURCE_ATTRIBUTES)})},
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): {1: ("metadata", OBJECT_META),
                                                             2: ("spec", {1: ("namespace", "string")})},
    ("authentication.k8s.io/v1", "TokenRequest"): {1: ("metadata", OBJECT_META), 2: ("spec", {
        1: ("audiences", ("repeated", "string")), 4: ("expirationSeconds", "int"), 3: ("boundObjectRef", {
            1: ("kind", "string"), 2: ("apiVersion", "string"), 3: ("name", "string"), 4: ("uid", "string")})})},
    ("v1", "DeleteOptions"): {1: ("gracePeriodSeconds", "int"), 2: ("preconditions", PRECONDITIONS),
                              3: ("orphanDependents", "bool"), 4: ("propagationPolicy", "string"),
                              5: ("dryRun", ("repeated", "string"))},
}


class _Malformed(Exception):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise _Malformed("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def _fields(data: bytes):
    """(field number, wire type, value) triples of one message."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise _Malformed("truncated field")
            value, pos = data[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise _Malformed(f"unsupported wire type {wire}")
        yield number, wire, value


def _scalar(kind, value):
    if kind == "string":
        return value.decode()
    if kind == "bytes":
        return base64.b64encode(value).decode()
    if kind == "raw":
        return value
    if kind in ("int", "plainint"):
        number = value - (1 << 64) if value >= 1 << 63 else value
        return None if kind == "plainint" and number == 0 else number
    if kind in ("bool", "plainbool"):
        return None if kind == "plainbool" and not value else bool(value)
    if kind == QUANTITY:
        return {n: v for n, _, v in _fields(value)}.get(1, b"").decode()
    if kind == INT_OR_STRING:
        parts = {n: v for n, _, v in _fields(value)}
        return parts.get(3, b"").decode() if parts.get(1) == 1 else _scalar("int", parts.get(2, 0))
    if kind == TIME:
        parts = {n: v for n, _, v in _fields(value)}
        seconds = parts.get(1, 0)
        if not seconds:
            return None
        return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return _message(value, kind)


def _message(data: bytes, schema: dict) -> dict:
    result: dict = {}
    for number, _, value in _fields(data):
        if number not in schema:
            continue
        name, kind = schema[number]
        if name == INLINE:
            result.update(_scalar(kind, value))
        elif isinstance(kind, tuple) and kind[0] == "map":
            entry = {n: v for n, _, v in _fields(value)}
            result.setdefault(name, {})[entry.get(1, b"").decode()] = _scalar(kind[1], entry.get(2, b""))
        elif isinstance(kind, tuple) and kind[0] == "repeated":
            result.setdefault(name, []).append(_scalar(kind[1], value))
        else:
            result[name] = _scalar(kind, value)
    # proto2 as go-to-protobuf writes it carries empty strings and zero times the JSON form omits.
    return {k: v for k, v in result.items() if v not in ("", None)}


def decode(body: bytes) -> dict:
    """The JSON form of a protobuf-encoded object; 415 for kinds this server cannot decode."""
    if not body.startswith(MAGIC):
        raise ApiError(400, "protobuf body does not start with the Kubernetes envelope magic")
    try:
        envelope = _message(body[len(MAGIC):], UNKNOWN)
        type_meta = envelope.get("typeMeta") or {}
        key = (type_meta.get("apiVersion", ""), type_meta.get("kind", ""))
        schema = MESSAGES.get(key)
        if schema is None:
            raise ApiError(415, f"the protobuf encoding of {key[1] or 'this object'} is not supported by this "
                                "server; send application/json", "UnsupportedMediaType")
        obj = _message(envelope.get("raw", b""), schema)
        for entry in (obj.get("metadata") or {}).get("managedFields") or []:
            if "fieldsV1" in entry:
                import json

                entry["fieldsV1"] = json.loads(entry["fieldsV1"].get("Raw", b"{}") or b"{}")
    except (_Malformed, UnicodeDecodeError, ValueError) as error:
        raise ApiError(400, f"malformed protobuf body: {error}") from None
    return {"apiVersion": key[0], "kind": key[1], **obj}
