# Copyright: eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``resources_to_change``: which planned network resources differ from what EC2 has (documentation in
resources_to_change.yml). The vpc role runs an amazon.aws module only for those, so a run that changes nothing
starts no module per subnet or route table; what each module would change is still decided by the module."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

# Routes the route table module leaves alone when it purges: the local route, propagated routes, and routes
# without a destination CIDR (VPC gateway endpoints, which ec2_vpc_endpoint manages).
MANAGED_ROUTE_ORIGIN = "CreateRoute"
ROUTE_TARGETS = ("gateway_id", "nat_gateway_id")


def _tags_equal(current, desired):
    """Tags equal after a purge: EC2 keeps its own aws:* tags, and compares values as strings."""
    kept = {key: value for key, value in (current or {}).items() if not key.startswith("aws:")}
    return kept == {key: str(value) for key, value in desired.items()}


def _vpc_matches(spec, current):
    return (len(current) == 1 and current[0]["cidr_block"] == spec["cidr"]
            and current[0].get("enable_dns_support") is spec["dns_support"]
            and current[0].get("enable_dns_hostnames") is spec["dns_hostnames"]
            and _tags_equal(current[0].get("tags"), spec["tags"]))


def _internet_gateway_matches(spec, current):
    return any(_tags_equal(gateway.get("tags"), spec["tags"])
               and any(attachment.get("vpc_id") == spec["vpc_id"] and attachment.get("state") in ("available", "attached")
                       for attachment in gateway.get("attachments") or [])
               for gateway in current)


def _subnet_matches(spec, current):
    return any(subnet["cidr_block"] == spec["cidr"] and subnet["availability_zone"] == spec["az"]
               and subnet.get("map_public_ip_on_launch") is spec["map_public"]
               and _tags_equal(subnet.get("tags"), spec["tags"])
               for subnet in current)


def _nat_gateway_matches(spec, current):
    return any(gateway["subnet_id"] == spec["subnet_id"] and gateway["state"] == "available"
               and _tags_equal(gateway.get("tags"), spec["tags"])
               for gateway in current)


def _managed_routes(routes):
    return {(route["destination_cidr_block"], target, route[target])
            for route in routes if route.get("origin") == MANAGED_ROUTE_ORIGIN and route.get("destination_cidr_block")
            for target in ROUTE_TARGETS if route.get(target)}


def _route_table_matches(spec, current):
    named = [table for table in current if (table.get("tags") or {}).get("Name") == spec["tags"].get("Name")]
    if len(named) != 1:
        return False
    table = named[0]
    associated = {association["subnet_id"] for association in table.get("associations") or []
                  if association.get("subnet_id") and not association.get("main")}
    wanted_routes = {(route["dest"], target, route[target]) for route in spec["routes"]
                     for target in ROUTE_TARGETS if route.get(target)}
    return (_tags_equal(table.get("tags"), spec["tags"]) and associated == set(spec["subnets"])
            and _managed_routes(table.get("routes") or []) == wanted_routes)


MATCHERS = {
    "vpc": _vpc_matches,
    "internet_gateway": _internet_gateway_matches,
    "subnet": _subnet_matches,
    "nat_gateway": _nat_gateway_matches,
    "route_table": _route_table_matches,
}


def resources_to_change(planned, current, kind):
    """The items of ``planned`` (specs of one kind) that ``current`` (ec2_vpc_network_info's list) lacks or has
    with other settings or tags."""
    if kind not in MATCHERS:
        raise AnsibleFilterError(f"resources_to_change: kind must be one of {', '.join(MATCHERS)}, got {kind!r}")
    if not isinstance(planned, list) or not all(isinstance(spec, Mapping) for spec in planned):
        raise AnsibleFilterError(f"resources_to_change: the input must be a list of {kind} specs (dicts), got {planned!r}")
    matches = MATCHERS[kind]
    return [spec for spec in planned if not matches(spec, list(current or []))]


class FilterModule:
    """Differences between the planned network and EC2's."""

    def filters(self):
        return {"resources_to_change": resources_to_change}
