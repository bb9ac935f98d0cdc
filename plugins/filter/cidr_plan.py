# Copyright: eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``cidr_plan`` filter: a deterministic subnet plan for a VPC (documentation in cidr_plan.yml)."""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError

# Tier order is part of the contract: it fixes which block each tier receives when sizes tie.
DEFAULT_TIERS = ("public", "private_app", "private_data")
MAX_AZ_COUNT = 6


class PlanError(ValueError):
    """The plan cannot be made; the message names the offending variable."""


def _network(value, where):
    if not isinstance(value, str):
        raise PlanError(f"{where} must be an IPv4 CIDR string such as 10.0.0.0/16, got {value!r}")
    try:
        net = ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise PlanError(f"{where} is not a valid IPv4 network in CIDR notation ({value!r}): {exc}") from None
    if net.version != 4:
        raise PlanError(f"{where} must be an IPv4 network, got {value!r}")
    return net


def _as_int(value, where):
    if isinstance(value, bool):
        raise PlanError(f"{where} must be an integer, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PlanError(f"{where} must be an integer, got {value!r}") from None


def _next_free_block(vpc, prefixlen, used):
    """The lowest-addressed block of size /prefixlen inside vpc that overlaps nothing in used."""
    size = 2 ** (32 - prefixlen)
    start = int(vpc.network_address)
    end = int(vpc.broadcast_address)
    candidate = start
    while candidate + size - 1 <= end:
        block = ipaddress.ip_network((candidate, prefixlen))
        clash = [u for u in used if u.overlaps(block)]
        if not clash:
            return block
        # Jump past the highest clashing block, re-aligned to this block size.
        past = max(int(u.broadcast_address) for u in clash) + 1
        candidate = ((past + size - 1) // size) * size
    return None


def _carve(vpc, carve, slots, taken):
    """Place `slots` blocks per carved tier, or return None when they do not fit."""
    taken = list(taken)
    out = {}
    for prefixlen, _order, tier in carve:
        nets = []
        for _index in range(slots):
            block = _next_free_block(vpc, prefixlen, taken)
            if block is None:
                return None
            taken.append(block)
            nets.append(block)
        out[tier] = nets
    return out


def plan_subnets(vpc_cidr, az_count=2, prefix_lengths=None, explicit=None, tiers=DEFAULT_TIERS, var_prefix="vpc_",
                 reserve_az_count=MAX_AZ_COUNT):
    """Carve ``az_count`` subnets for every tier out of ``vpc_cidr``.

    Returns ``{tier: [cidr for AZ index 0, 1, ...]}``. Tiers listed in ``explicit`` take the given CIDRs
    (one per AZ, in AZ order); the others are carved, largest blocks first, lowest free address first,
    so the same input always gives the same plan. When the VPC has room, the carved tiers keep slots for
    ``reserve_az_count`` AZs, so the subnets of the first AZs do not move when az_count grows or shrinks.
    Raises PlanError naming the variable on bad input.
    """
    cidr_var = f"{var_prefix}cidr"
    count_var = f"{var_prefix}az_count"
    sizes_var = f"{var_prefix}subnet_prefix_lengths"
    explicit_var = f"{var_prefix}subnet_cidrs"

    vpc = _network(vpc_cidr, cidr_var)
    if not 16 <= vpc.prefixlen <= 28:
        raise PlanError(f"{cidr_var} {vpc} must have a prefix length between /16 and /28 (an AWS VPC limit)")

    az_count = _as_int(az_count, count_var)
    if not 1 <= az_count <= MAX_AZ_COUNT:
        raise PlanError(f"{count_var} must be between 1 and {MAX_AZ_COUNT}, got {az_count}")

    prefix_lengths = dict(prefix_lengths or {})
    explicit = dict(explicit or {})
    for name in list(prefix_lengths) + list(explicit):
        if name not in tiers:
            source = sizes_var if name in prefix_lengths else explicit_var
            raise PlanError(f"{source} has an unknown tier {name!r}; the tiers are {', '.join(tiers)}")

    used = []  # (network, label) of every block placed so far
    plan = {}

    for tier in tiers:
        cidrs = explicit.get(tier)
        if cidrs is None or cidrs == []:
            continue
        if not isinstance(cidrs, (list, tuple)):
            raise PlanError(f"{explicit_var}.{tier} must be a list of CIDRs, one per availability zone")
        if len(cidrs) != az_count:
            relation = "more" if len(cidrs) > az_count else "fewer"
            raise PlanError(
                f"{explicit_var}.{tier} lists {len(cidrs)} CIDRs, {relation} than {count_var} ({az_count}); give exactly one per AZ"
            )
        nets = []
        for index, raw in enumerate(cidrs):
            where = f"{explicit_var}.{tier}[{index}]"
            net = _network(raw, where)
            if not net.subnet_of(vpc):
                raise PlanError(f"{where} {net} is not inside {cidr_var} {vpc}")
            if not 16 <= net.prefixlen <= 28:
                raise PlanError(f"{where} {net} must have a prefix length between /16 and /28 (an AWS subnet limit)")
            for other, label in used:
                if other.overlaps(net):
                    raise PlanError(f"{where} {net} overlaps {label} {other}")
            used.append((net, where))
            nets.append(net)
        plan[tier] = nets

    carve = []
    for order, tier in enumerate(tiers):
        if tier in plan:
            continue
        if tier not in prefix_lengths:
            raise PlanError(f"{sizes_var}.{tier} is required when {explicit_var}.{tier} is not given")
        where = f"{sizes_var}.{tier}"
        prefixlen = _as_int(prefix_lengths[tier], where)
        if not 16 <= prefixlen <= 28:
            raise PlanError(f"{where} must be between 16 and 28 (AWS subnet sizes), got {prefixlen}")
        if prefixlen < vpc.prefixlen:
            raise PlanError(f"{where} /{prefixlen} is larger than {cidr_var} {vpc} itself")
        carve.append((prefixlen, order, tier))

    # Largest blocks first keeps every later block aligned without gaps: a deterministic, tight packing.
    # Try with slots for reserve_az_count AZs first (stable layout), then with exactly az_count.
    carved = None
    for slots in sorted({max(az_count, _as_int(reserve_az_count, "reserve_az_count")), az_count}, reverse=True):
        carved = _carve(vpc, sorted(carve), slots, [net for net, _label in used])
        if carved is not None:
            break
    if carved is None:
        need = sum(2 ** (32 - p) for p, _o, _t in carve) * az_count
        raise PlanError(
            f"{cidr_var} {vpc} is too small for the plan: {az_count} AZ(s) x "
            f"({', '.join(f'{t} /{p}' for p, _o, t in sorted(carve))}) need {need} free addresses, "
            f"{cidr_var} has {vpc.num_addresses} (minus explicit subnets); "
            f"use a larger {cidr_var} or smaller {sizes_var}"
        )
    for tier, nets in carved.items():
        plan[tier] = nets[:az_count]

    return {tier: [str(net) for net in plan[tier]] for tier in tiers}


def cidr_plan(vpc_cidr, az_count=2, prefix_lengths=None, explicit=None, var_prefix="vpc_", reserve_az_count=MAX_AZ_COUNT):
    """Filter entry point: converts PlanError into AnsibleFilterError."""
    try:
        return plan_subnets(vpc_cidr, az_count=az_count, prefix_lengths=prefix_lengths, explicit=explicit,
                            var_prefix=var_prefix, reserve_az_count=reserve_az_count)
    except PlanError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """Subnet planning filters."""

    def filters(self):
        return {"cidr_plan": cidr_plan}
