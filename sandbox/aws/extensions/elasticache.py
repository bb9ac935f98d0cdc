"""ElastiCache cache clusters and subnet groups as real ElastiCache handles them; moto 5.2.5 differs in four ways.

Real ElastiCache:
- lists a cluster's VPC security groups in SecurityGroups ([{SecurityGroupId, Status: active}]) and answers
  PreferredAvailabilityZone "Multiple" for a Memcached cluster created with AZMode cross-az (its nodes are spread
  over the zones); moto keeps the request's values but does not return them: the fix sets them on moto's cluster
  after CreateCacheCluster / ModifyCacheCluster, so every later DescribeCacheClusters has them;
- answers DeleteCacheCluster with the cluster in status `deleting`, and the cluster is then gone
  (CacheClusterNotFound, no longer listed by the tagging API); moto keeps it `deleting` for ever, so a client
  waiting for the deletion (Terraform's destroy) never ends: the fix removes it, with its tags, once answered;
- deletes a cache subnet group with DeleteCacheSubnetGroup (CacheSubnetGroupNotFoundFault for an unknown name,
  CacheSubnetGroupInUse while a cluster uses it); moto lacks the action.
Tests: sandbox/tests/test_aws_terraform_fixes.py.
"""

from __future__ import annotations

import uuid

from moto.elasticache.models import elasticache_backends
from werkzeug.wrappers import Request, Response

from sandbox.aws.errors import error_response
from sandbox.aws.extensions import Call, Extension

NAMESPACE = "http://elasticache.amazonaws.com/doc/2015-02-02/"


class ElastiCacheFixes(Extension):
    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "elasticache":
            return None
        if call.action in ("CreateCacheCluster", "ModifyCacheCluster"):
            return self.keep_request_fields(call, request)
        if call.action == "DeleteCacheCluster":
            return self.delete_cluster(call, request)
        if call.action == "DeleteCacheSubnetGroup":
            return self.delete_subnet_group(call)
        return None

    def keep_request_fields(self, call: Call, request: Request) -> Response:
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

    def delete_cluster(self, call: Call, request: Request) -> Response:
        answer = self.ask_moto(request)  # the cluster as `deleting`, as AWS answers
        if answer.status_code == 200:
            backend = elasticache_backends[call.account_id][call.region]
            cluster = backend.cache_clusters.pop(call.params.get("CacheClusterId"))
            backend.tagging_service.delete_all_tags_for_resource(cluster.arn)
        return answer

    @staticmethod
    def delete_subnet_group(call: Call) -> Response:
        backend = elasticache_backends[call.account_id][call.region]
        name = call.params.get("CacheSubnetGroupName", "")
        group = backend.cache_subnet_groups.get(name)
        if group is None:
            return error_response(call.protocol, 400, "CacheSubnetGroupNotFoundFault",
                                  f"CacheSubnetGroup {name} not found.")
        if any(cluster.cache_subnet_group_name == name for cluster in backend.cache_clusters.values()):
            return error_response(call.protocol, 400, "CacheSubnetGroupInUse",
                                  f"Cache subnet group {name} is currently in use by a cache cluster.")
        del backend.cache_subnet_groups[name]
        backend.tagging_service.delete_all_tags_for_resource(group.arn)
        body = (f'<DeleteCacheSubnetGroupResponse xmlns="{NAMESPACE}"><ResponseMetadata><RequestId>{uuid.uuid4()}'
                "</RequestId></ResponseMetadata></DeleteCacheSubnetGroupResponse>")
        return Response(body, 200, content_type="text/xml")


EXTENSION = ElastiCacheFixes()
