"""Aurora clusters and instances as real RDS describes and deletes them; moto 5.2.5 differs in three ways.

Real RDS:
- returns ScalingConfigurationInfo only for a cluster in the serverless (v1) engine mode; moto returns an empty
  one for every cluster, which reads as a serverless scaling configuration on a provisioned Aurora cluster;
- keeps an instance's Performance Insights settings (EnablePerformanceInsights, PerformanceInsightsKMSKeyId,
  PerformanceInsightsRetentionPeriod, 7 days by default) and returns them in DescribeDBInstances; moto drops them;
- deletes a cluster's automated snapshots (`rds:<cluster>-<time>`) with the cluster unless DeleteDBCluster says
  DeleteAutomatedBackups=false; moto keeps them (tagged like the cluster), so a destroyed stack leaves them.
Tests: sandbox/tests/test_aws_terraform_fixes.py.
"""

from __future__ import annotations

from moto.rds.models import rds_backends
from werkzeug.wrappers import Request, Response

from sandbox.aws.extensions import Call, Extension
from sandbox.aws.extensions.query import edit_xml

CLUSTER_ANSWERS = ("CreateDBCluster", "ModifyDBCluster", "DescribeDBClusters", "DeleteDBCluster")
INSTANCE_WRITES = ("CreateDBInstance", "ModifyDBInstance")


def drop_scaling_info(root, namespace: str) -> None:
    for cluster in root.iter(f"{namespace}DBCluster"):
        mode = cluster.find(f"{namespace}EngineMode")
        info = cluster.find(f"{namespace}ScalingConfigurationInfo")
        if info is not None and (mode is None or mode.text != "serverless"):
            cluster.remove(info)


class RdsFixes(Extension):
    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "rds":
            return None
        if call.action in CLUSTER_ANSWERS:
            answer = edit_xml(self.ask_moto(request), drop_scaling_info)
            if call.action == "DeleteDBCluster" and answer.status_code == 200 \
                    and call.params.get("DeleteAutomatedBackups") != "false":
                self.delete_automated_snapshots(call)
            return answer
        if call.action in INSTANCE_WRITES:
            answer = self.ask_moto(request)
            if answer.status_code == 200:
                self.keep_performance_insights(call)
            return answer
        return None

    @staticmethod
    def delete_automated_snapshots(call: Call) -> None:
        snapshots = rds_backends[call.account_id][call.region].cluster_snapshots
        for name, snapshot in list(snapshots.items()):
            if snapshot.snapshot_type == "automated" \
                    and snapshot.cluster.db_cluster_identifier == call.params.get("DBClusterIdentifier"):
                del snapshots[name]

    @staticmethod
    def keep_performance_insights(call: Call) -> None:
        instance = rds_backends[call.account_id][call.region].databases.get(call.params.get("DBInstanceIdentifier"))
        if instance is None:
            return
        enabled = call.params.get("EnablePerformanceInsights")
        if enabled is not None:
            instance.performance_insights_enabled = enabled == "true"
        elif call.action == "CreateDBInstance":
            instance.performance_insights_enabled = False
        if call.params.get("PerformanceInsightsKMSKeyId"):
            instance.performance_insights_kms_key_id = call.params["PerformanceInsightsKMSKeyId"]
        if instance.performance_insights_enabled:
            instance.performance_insights_retention_period = int(
                call.params.get("PerformanceInsightsRetentionPeriod")
                or getattr(instance, "performance_insights_retention_period", 7))


EXTENSION = RdsFixes()
