"""Descriptions of security group rules that reference another group, which moto 5.2.5 drops.

Real EC2 keeps the Description of every permission, also of a UserIdGroupPair (a rule whose source or destination
is another security group), and DescribeSecurityGroupRules returns it. moto keeps only descriptions of CIDR rules.
The fix remembers the description of each group rule AuthorizeSecurityGroupIngress/Egress creates (by the rule id
moto answers) and puts it into DescribeSecurityGroupRules' answer. Tests: sandbox/tests/test_aws_terraform_fixes.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from werkzeug.wrappers import Request, Response

from sandbox.aws.extensions import Call, Extension
from sandbox.aws.extensions.query import edit_xml

AUTHORIZE = ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress")


def group_descriptions(params: dict[str, str]) -> dict[str, str]:
    """Referenced group id -> description, from IpPermissions.N.Groups.M.{GroupId,Description}."""
    found = {}
    for key, value in params.items():
        if key.startswith("IpPermissions.") and key.endswith(".GroupId"):
            description = params.get(key[: -len("GroupId")] + "Description")
            if description:
                found[value] = description
    return found


class SecurityGroupRuleDescriptions(Extension):
    def __init__(self) -> None:
        self.descriptions: dict[str, str] = {}  # security group rule id -> description

    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "ec2":
            return None
        if call.action in AUTHORIZE:
            wanted = group_descriptions(call.params)
            if not wanted:
                return None
            return edit_xml(self.ask_moto(request), lambda root, ns: self.remember(root, ns, wanted))
        if call.action == "DescribeSecurityGroupRules" and self.descriptions:
            return edit_xml(self.ask_moto(request), self.describe)
        return None

    def remember(self, root, namespace: str, wanted: dict[str, str]) -> None:
        for rule in root.iter(f"{namespace}item"):
            rule_id, group = rule.find(f"{namespace}securityGroupRuleId"), rule.find(f"{namespace}referencedGroupInfo")
            if rule_id is None or group is None:
                continue
            group_id = group.find(f"{namespace}groupId")
            description = wanted.get(group_id.text if group_id is not None else "")
            if description:
                self.descriptions[rule_id.text] = description
                self.set_description(rule, namespace, description)

    def describe(self, root, namespace: str) -> None:
        for rule in root.iter(f"{namespace}item"):
            rule_id = rule.find(f"{namespace}securityGroupRuleId")
            if rule_id is not None and rule_id.text in self.descriptions:
                self.set_description(rule, namespace, self.descriptions[rule_id.text])

    @staticmethod
    def set_description(rule, namespace: str, description: str) -> None:
        element = rule.find(f"{namespace}description")
        if element is None:
            element = ElementTree.SubElement(rule, f"{namespace}description")
        element.text = description

    def reset(self) -> None:
        self.descriptions.clear()


EXTENSION = SecurityGroupRuleDescriptions()
