"""Unit tests of the planning logic of ecr_repositories (plugins/module_utils/ecr_repositories.py)."""

from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repositories import carries
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repositories import current_settings
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repositories import encryption_problem
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repositories import item_problems
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repositories import keep_last_policy
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repositories import registry_host
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repositories import setting_changes
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repositories import settings_after
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repositories import wanted_settings

KEY = "arn:aws:kms:us-east-1:123456789012:key/0000-1111"
POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "pull", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}


def item(**settings):
    return dict({"name": "shop/front", "scan_on_push": True, "image_tag_mutability": "MUTABLE",
                 "encryption": "AES256", "kms_key": None, "keep_last": 30, "lifecycle_policy": None,
                 "policy": None, "tags": {"team": "a"}}, **settings)


def described(**settings):
    return dict({"repositoryName": "shop/front", "imageScanningConfiguration": {"scanOnPush": True},
                 "imageTagMutability": "MUTABLE", "encryptionConfiguration": {"encryptionType": "AES256"}},
                **settings)


def test_keep_last_becomes_the_lifecycle_policy_and_an_explicit_policy_wins():
    assert wanted_settings(item())["lifecycle_policy"] == keep_last_policy(30)
    assert keep_last_policy("5")["rules"][0]["selection"]["countNumber"] == 5
    explicit = {"rules": []}
    assert wanted_settings(item(lifecycle_policy=explicit))["lifecycle_policy"] == explicit
    assert wanted_settings(item(keep_last=None))["lifecycle_policy"] is None


def test_kms_key_only_counts_with_kms():
    assert wanted_settings(item(kms_key="alias/x"))["kms_key"] is None
    assert wanted_settings(item(encryption="KMS", kms_key="alias/x"))["kms_key"] == "alias/x"


def test_a_converged_repository_has_no_change():
    current = current_settings(described(), keep_last_policy(30), None, {"team": "a"})
    assert setting_changes(current, wanted_settings(item()), purge_tags=True) == []


def test_every_differing_setting_is_named():
    current = current_settings(described(imageTagMutability="IMMUTABLE"), keep_last_policy(10), POLICY,
                               {"team": "b"})
    wanted = wanted_settings(item(scan_on_push=False))
    assert setting_changes(current, wanted, purge_tags=True) == [
        "scan_on_push", "image_tag_mutability", "lifecycle_policy", "policy", "tags"]


def test_policies_compare_by_content_not_by_order():
    reordered = {"Statement": [dict(POLICY["Statement"][0], Action=list(reversed(POLICY["Statement"][0]["Action"])))],
                 "Version": "2012-10-17"}
    current = current_settings(described(), keep_last_policy(30), reordered, {"team": "a"})
    assert setting_changes(current, wanted_settings(item(policy=POLICY)), purge_tags=True) == []


def test_extra_tags_are_kept_without_purge():
    current = current_settings(described(), keep_last_policy(30), None, {"team": "a", "extra": "x"})
    wanted = wanted_settings(item())
    assert setting_changes(current, wanted, purge_tags=False) == []
    assert setting_changes(current, wanted, purge_tags=True) == ["tags"]
    assert settings_after(current, wanted, purge_tags=False)["tags"] == {"team": "a", "extra": "x"}


def test_encryption_cannot_change_after_creation():
    aes = current_settings(described(), None, None, {})
    assert encryption_problem("shop/front", aes, wanted_settings(item())) is None
    problem = encryption_problem("shop/front", aes, wanted_settings(item(encryption="KMS", kms_key=KEY)))
    assert "'shop/front': encryption cannot change after creation" in problem and "AES256 exists" in problem
    kms = current_settings(described(encryptionConfiguration={"encryptionType": "KMS", "kmsKey": KEY}), None, None, {})
    assert encryption_problem("shop/front", kms, wanted_settings(item(encryption="KMS", kms_key=KEY))) is None
    # An alias or key id cannot be compared with the key ARN ECR reports; only the type is checked then.
    assert encryption_problem("shop/front", kms, wanted_settings(item(encryption="KMS", kms_key="alias/x"))) is None
    other = KEY.replace("0000", "9999")
    assert encryption_problem("shop/front", kms, wanted_settings(item(encryption="KMS", kms_key=other))) is not None


def test_the_encryption_after_is_the_existing_one():
    kms = current_settings(described(encryptionConfiguration={"encryptionType": "KMS", "kmsKey": KEY}), None, None, {})
    after = settings_after(kms, wanted_settings(item()), purge_tags=True)
    assert (after["encryption"], after["kms_key"]) == ("KMS", KEY)


def test_tag_problems_name_the_repository():
    assert item_problems(item(), purge_tags=True) == []
    problems = item_problems(item(tags={"aws:x": "1", **{f"k{n}": "v" for n in range(51)}}), purge_tags=True)
    assert len(problems) == 2 and all("'shop/front'" in problem for problem in problems)


def test_ownership_match_needs_every_tag():
    assert carries({"eksforge:platform": "demo", "team": "a"}, {"eksforge:platform": "demo"})
    assert not carries({"eksforge:platform": "other"}, {"eksforge:platform": "demo"})
    assert not carries({}, {"eksforge:platform": "demo"})


def test_registry_host_per_partition():
    assert registry_host("123456789012", "eu-west-1") == "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert registry_host("123456789012", "cn-north-1") == "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"
