"""Unit tests of reading an Argo CD Application (plugins/module_utils/argocd_application.py)."""

from ansible_collections.eksforge.platform.plugins.module_utils.argocd_application import describe
from ansible_collections.eksforge.platform.plugins.module_utils.argocd_application import settled
from ansible_collections.eksforge.platform.plugins.module_utils.argocd_application import summary

DEGRADED = {
    "metadata": {"name": "cart", "namespace": "argocd"},
    "spec": {"project": "shop"},
    "status": {
        "sync": {"status": "Synced", "revision": "0a5f037adb20594b9fa068e19119faf3d57b6f66"},
        "health": {"status": "Degraded"},
        "summary": {"images": ["repo/cart:v3"]},
        "operationState": {"phase": "Succeeded", "message": "successfully synced (all tasks run)"},
        "history": [{"revision": "aaa"}, {"revision": "0a5f037adb20594b9fa068e19119faf3d57b6f66"}],
        "resources": [
            {"kind": "Service", "namespace": "shop", "name": "cart", "status": "Synced", "health": {"status": "Healthy"}},
            {"kind": "Deployment", "namespace": "shop", "name": "cart", "status": "Synced",
             "health": {"status": "Degraded", "message": 'Deployment "cart" exceeded its progress deadline'}},
            {"kind": "ConfigMap", "namespace": "shop", "name": "old", "status": "OutOfSync", "requiresPruning": True},
        ],
    },
}


def test_summary_names_the_resources_that_are_not_healthy_or_not_synced():
    read = summary(DEGRADED)
    assert (read["name"], read["project"], read["sync_status"], read["health_status"]) == \
        ("cart", "shop", "Synced", "Degraded")
    assert read["images"] == ["repo/cart:v3"] and read["history_revisions"][-1] == read["revision"]
    assert read["unhealthy_resources"] == [{
        "kind": "Deployment", "namespace": "shop", "name": "cart", "sync_status": "Synced",
        "health_status": "Degraded", "health_message": 'Deployment "cart" exceeded its progress deadline'}]
    assert read["out_of_sync_resources"] == [{"kind": "ConfigMap", "namespace": "shop", "name": "old",
                                              "sync_status": "OutOfSync", "requires_pruning": True}]
    assert read["resource_health_persisted"] is True
    assert describe(read) == ("cart is Synced/Degraded at revision 0a5f037adb20594b9fa068e19119faf3d57b6f66; "
                              'not healthy: Deployment shop/cart is Degraded (Deployment "cart" exceeded its '
                              "progress deadline); out of sync: ConfigMap old")


def test_settled_needs_synced_healthy_and_the_revision():
    healthy = summary({**DEGRADED, "status": {**DEGRADED["status"], "health": {"status": "Healthy"}}})
    assert settled(healthy) and settled(healthy, "0a5f037") and not settled(healthy, "1b2c3d4")
    assert not settled(summary(DEGRADED), "0a5f037")


def test_an_application_without_status_is_unknown():
    read = summary({"metadata": {"name": "new"}})
    assert (read["sync_status"], read["health_status"], read["revision"], read["unhealthy_resources"]) == \
        ("Unknown", "Unknown", None, [])
    assert describe(read) == "new is Unknown/Unknown at revision none"
