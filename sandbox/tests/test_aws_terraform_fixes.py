"""Real AWS behaviour the Terraform AWS provider relies on when it reads back what it made (terraform/eventmall),
where moto 5.2.5 differs; fixed in sandbox/aws/extensions (application_autoscaling, security_group_rules, ec2,
cloudfront, ecs, elasticache, rds, s3_policy)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def test_scalable_target_tags_are_set_at_registration_listed_changed_and_go_with_the_target(sandbox):
    """Application Auto Scaling: RegisterScalableTarget's Tags tag the target (by ScalableTargetARN);
    ListTagsForResource / TagResource / UntagResource work on it; an unknown ARN is ResourceNotFoundException."""
    ecs, scaling = sandbox.client("ecs"), sandbox.client("application-autoscaling")
    ecs.create_cluster(clusterName="mall")
    ecs.register_task_definition(family="web", containerDefinitions=[{"name": "web", "image": "x", "memory": 128}])
    ecs.create_service(cluster="mall", serviceName="web", taskDefinition="web", desiredCount=1)
    arn = scaling.register_scalable_target(
        ServiceNamespace="ecs", ResourceId="service/mall/web", ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=1, MaxCapacity=3, Tags={"eksforge:platform": "p"})["ScalableTargetARN"]
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"eksforge:platform": "p"}
    scaling.tag_resource(ResourceARN=arn, Tags={"team": "mall"})
    scaling.untag_resource(ResourceARN=arn, TagKeys=["eksforge:platform"])
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "mall"}
    scaling.deregister_scalable_target(ServiceNamespace="ecs", ResourceId="service/mall/web",
                                       ScalableDimension="ecs:service:DesiredCount")
    with pytest.raises(ClientError) as raised:
        scaling.list_tags_for_resource(ResourceARN=arn)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_detailed_monitoring_is_switched_on_and_off(sandbox):
    """EC2 MonitorInstances answers `pending` and the instance is then described `enabled`; UnmonitorInstances
    answers `disabling`, then `disabled`; an unknown instance id is InvalidInstanceID.NotFound."""
    ec2 = sandbox.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    answer = ec2.monitor_instances(InstanceIds=[instance])["InstanceMonitorings"]
    assert answer == [{"InstanceId": instance, "Monitoring": {"State": "pending"}}]
    described = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    assert described["Monitoring"]["State"] == "enabled"
    assert ec2.unmonitor_instances(InstanceIds=[instance])["InstanceMonitorings"][0]["Monitoring"]["State"] == "disabling"
    described = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    assert described["Monitoring"]["State"] == "disabled"
    with pytest.raises(ClientError) as raised:
        ec2.monitor_instances(InstanceIds=["i-0123456789abcdef0"])
    assert raised.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"


def test_a_rule_referencing_a_group_keeps_its_description(sandbox):
    """DescribeSecurityGroupRules returns the Description of a rule whose source is another security group."""
    ec2 = sandbox.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    tasks = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    alb = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    created = ec2.authorize_security_group_ingress(GroupId=tasks, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
        "UserIdGroupPairs": [{"GroupId": alb, "Description": "From the load balancer"}]}])["SecurityGroupRules"][0]
    rule = ec2.describe_security_group_rules(SecurityGroupRuleIds=[created["SecurityGroupRuleId"]])["SecurityGroupRules"][0]
    assert rule["Description"] == "From the load balancer"
    assert rule["ReferencedGroupInfo"]["GroupId"] == alb


def test_distribution_keeps_origin_access_control_and_omits_legacy_cache_settings(sandbox):
    """CloudFront returns each origin's OriginAccessControlId; a behaviour with a CachePolicyId has no
    ForwardedValues; with the default certificate there is no SSLSupportMethod."""
    cloudfront = sandbox.client("cloudfront")
    oac = cloudfront.create_origin_access_control(OriginAccessControlConfig={
        "Name": "assets", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]
    created = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": "mall", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "assets", "DomainName": "b.s3.us-east-1.amazonaws.com",
                                              "OriginAccessControlId": oac,
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "assets", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": CACHING_OPTIMIZED},
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1"}})
    assert created["Distribution"]["DistributionConfig"]["Origins"]["Items"][0]["OriginAccessControlId"] == oac
    config = cloudfront.get_distribution(Id=created["Distribution"]["Id"])["Distribution"]["DistributionConfig"]
    assert config["Origins"]["Items"][0]["OriginAccessControlId"] == oac
    assert "ForwardedValues" not in config["DefaultCacheBehavior"]
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == CACHING_OPTIMIZED
    assert "SSLSupportMethod" not in config["ViewerCertificate"]


def test_service_reports_availability_zone_rebalancing(sandbox):
    """ECS returns availabilityZoneRebalancing: as requested, ENABLED when CreateService sets none."""
    ecs = sandbox.client("ecs")
    ecs.create_cluster(clusterName="mall")
    ecs.register_task_definition(family="web", containerDefinitions=[{"name": "web", "image": "x", "memory": 128}])
    made = ecs.create_service(cluster="mall", serviceName="web", taskDefinition="web", desiredCount=1,
                              availabilityZoneRebalancing="DISABLED")["service"]
    assert made["availabilityZoneRebalancing"] == "DISABLED"
    ecs.create_service(cluster="mall", serviceName="api", taskDefinition="web", desiredCount=1)
    described = {service["serviceName"]: service["availabilityZoneRebalancing"]
                 for service in ecs.describe_services(cluster="mall", services=["web", "api"])["services"]}
    assert described == {"web": "DISABLED", "api": "ENABLED"}


def test_memcached_cluster_lists_its_security_groups_and_multiple_zones(sandbox):
    """DescribeCacheClusters: SecurityGroups of the cluster, PreferredAvailabilityZone "Multiple" for cross-az."""
    elasticache = sandbox.client("elasticache")
    elasticache.create_cache_cluster(CacheClusterId="mall", Engine="memcached", CacheNodeType="cache.t4g.micro",
                                     NumCacheNodes=2, AZMode="cross-az", SecurityGroupIds=["sg-12345678"])
    cluster = elasticache.describe_cache_clusters(CacheClusterId="mall")["CacheClusters"][0]
    assert cluster["SecurityGroups"] == [{"SecurityGroupId": "sg-12345678", "Status": "active"}]
    assert cluster["PreferredAvailabilityZone"] == "Multiple"


def test_a_deleted_cache_cluster_is_gone_and_then_its_subnet_group_can_be_deleted(sandbox):
    """ElastiCache: DeleteCacheCluster answers the cluster `deleting`, then the cluster is gone
    (CacheClusterNotFound, not listed by the tagging API); DeleteCacheSubnetGroup refuses a group a cluster uses
    (CacheSubnetGroupInUse), deletes an unused one, and an unknown name is CacheSubnetGroupNotFoundFault."""
    ec2, elasticache = sandbox.client("ec2"), sandbox.client("elasticache")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
    elasticache.create_cache_subnet_group(CacheSubnetGroupName="mall", CacheSubnetGroupDescription="mall",
                                          SubnetIds=[subnet], Tags=[{"Key": "stack", "Value": "mall"}])
    elasticache.create_cache_cluster(CacheClusterId="mall", Engine="memcached", CacheNodeType="cache.t4g.micro",
                                     NumCacheNodes=1, CacheSubnetGroupName="mall",
                                     Tags=[{"Key": "stack", "Value": "mall"}])
    with pytest.raises(ClientError) as raised:
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="mall")
    assert raised.value.response["Error"]["Code"] == "CacheSubnetGroupInUse"
    deleted = elasticache.delete_cache_cluster(CacheClusterId="mall")["CacheCluster"]
    assert deleted["CacheClusterStatus"] == "deleting"
    with pytest.raises(ClientError) as raised:
        elasticache.describe_cache_clusters(CacheClusterId="mall")
    assert raised.value.response["Error"]["Code"] == "CacheClusterNotFound"
    elasticache.delete_cache_subnet_group(CacheSubnetGroupName="mall")
    assert elasticache.describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    tagged = sandbox.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "stack", "Values": ["mall"]}])["ResourceTagMappingList"]
    assert tagged == []
    with pytest.raises(ClientError) as raised:
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="mall")
    assert raised.value.response["Error"]["Code"] == "CacheSubnetGroupNotFoundFault"


def test_deleting_an_aurora_cluster_deletes_its_automated_snapshots_and_keeps_manual_ones(sandbox):
    """RDS DeleteDBCluster deletes the cluster's automated snapshots (DeleteAutomatedBackups defaults to true);
    a manual snapshot stays."""
    rds = sandbox.client("rds")
    rds.create_db_cluster(DBClusterIdentifier="mall", Engine="aurora-mysql", MasterUsername="admin",
                          MasterUserPassword="secret-password", CopyTagsToSnapshot=True,
                          Tags=[{"Key": "stack", "Value": "mall"}])
    rds.create_db_cluster_snapshot(DBClusterIdentifier="mall", DBClusterSnapshotIdentifier="kept")
    automated = rds.describe_db_cluster_snapshots(DBClusterIdentifier="mall", SnapshotType="automated")
    assert automated["DBClusterSnapshots"]  # RDS backs a new cluster up at once
    rds.delete_db_cluster(DBClusterIdentifier="mall", SkipFinalSnapshot=True)
    left = rds.describe_db_cluster_snapshots()["DBClusterSnapshots"]
    assert [snapshot["DBClusterSnapshotIdentifier"] for snapshot in left] == ["kept"]


def test_provisioned_aurora_has_no_scaling_info_and_instances_keep_performance_insights(sandbox):
    """RDS: ScalingConfigurationInfo only for serverless v1 clusters; an instance's Performance Insights settings
    are returned as set (retention 7 days by default)."""
    rds = sandbox.client("rds")
    rds.create_db_cluster(DBClusterIdentifier="mall", Engine="aurora-mysql", MasterUsername="admin",
                          ManageMasterUserPassword=True)
    assert "ScalingConfigurationInfo" not in rds.describe_db_clusters(DBClusterIdentifier="mall")["DBClusters"][0]
    rds.create_db_instance(DBInstanceIdentifier="mall-0", DBClusterIdentifier="mall", Engine="aurora-mysql",
                           DBInstanceClass="db.t4g.medium", EnablePerformanceInsights=True,
                           PerformanceInsightsKMSKeyId="arn:aws:kms:us-east-1:123456789012:key/k")
    instance = rds.describe_db_instances(DBInstanceIdentifier="mall-0")["DBInstances"][0]
    assert instance["PerformanceInsightsEnabled"] is True
    assert instance["PerformanceInsightsKMSKeyId"] == "arn:aws:kms:us-east-1:123456789012:key/k"
    assert instance["PerformanceInsightsRetentionPeriod"] == 7


def test_tls_only_bucket_policy_lets_sdk_requests_through_and_other_denies_still_apply(sandbox):
    """S3 applies `Deny if aws:SecureTransport is false` only to plain-HTTP requests (SDKs use HTTPS); a Deny
    without that condition still refuses the object request (403)."""
    s3 = sandbox.client("s3")
    s3.create_bucket(Bucket="state")
    tls_only = {"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": ["arn:aws:s3:::state", "arn:aws:s3:::state/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    s3.put_bucket_policy(Bucket="state", Policy=json.dumps({"Version": "2012-10-17", "Statement": [tls_only]}))
    s3.put_object(Bucket="state", Key="a.tfstate", Body=b"{}")
    assert s3.get_object(Bucket="state", Key="a.tfstate")["Body"].read() == b"{}"
    deny_all = {**tls_only, "Sid": "DenyAll"}
    del deny_all["Condition"]
    s3.put_bucket_policy(Bucket="state", Policy=json.dumps({"Version": "2012-10-17", "Statement": [tls_only, deny_all]}))
    with pytest.raises(ClientError) as raised:
        s3.head_object(Bucket="state", Key="a.tfstate")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
