"""ElastiCache cache clusters as real ElastiCache describes them; moto 5.2.5 leaves out two fields.

Real ElastiCache lists a cluster's VPC security groups in SecurityGroups ([{SecurityGroupId, Status: active}])
and answers PreferredAvailabilityZone "Multiple" for a Memcached cluster created with AZMode cross-az (its nodes
are spread over the zones). moto keeps the request's values but does not return them; the fix sets them on moto's
cluster after CreateCacheCluster / ModifyCacheCluster, so every later DescribeCacheClusters has them.
Tests: sandbox/tests/test_aws_terraform_fixes.py.
"""

from __future__ import annotations

from moto.elasticache.models import elasticache_backends
from werkzeug.wrappers import Request, Response

from sandbox.aws.extensions import Call, Extension


class ElastiCacheFixes(Extension):
    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "elasticache" or call.action not in ("CreateCacheCluster", "ModifyCacheCluster"):
            return None
        answer = self.ask_moto(request)
        if answer.status_code != 200:
            return answer
        cluster = elasticache_backends[call.account_id][call.region].cache_clusters.get(call.params.get("CacheClusterId"))
        if cluster is not None:
            group_ids = [value for key, value in sorted(call.params.items()) if key.startswith("SecurityGroupIds.")]
            if group_ids or call.action == "CreateCacheCluster":
                cluster.security_groups = [{"SecurityGroupId": group_id, "Status": "active"} for group_id in group_ids]
            if call.params.get("AZMode") == "cross-az":
                cluster.preferred_availability_zone = "Multiple"
        # moto built this answer before the fix; every describe from now on has the fields.
        return answer


EXTENSION = ElastiCacheFixes()
