"""Unit tests of the cidr_plan filter (plugins/filter/cidr_plan.py): pure Python, no AWS."""

from __future__ import annotations

import importlib.util
import ipaddress
import itertools
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

_PATH = Path(__file__).resolve().parents[4] / "plugins" / "filter" / "cidr_plan.py"
_SPEC = importlib.util.spec_from_file_location("eksforge_cidr_plan", _PATH)
cidr_plan_module = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(cidr_plan_module)
cidr_plan = cidr_plan_module.cidr_plan

SIZES = {"public": 24, "private_app": 20, "private_data": 24}


def _all_nets(plan):
    return [ipaddress.ip_network(c) for tier in plan.values() for c in tier]


def _assert_valid(plan, vpc_cidr, az_count):
    vpc = ipaddress.ip_network(vpc_cidr)
    nets = _all_nets(plan)
    assert set(plan) == {"public", "private_app", "private_data"}
    assert all(len(cidrs) == az_count for cidrs in plan.values())
    assert all(net.subnet_of(vpc) for net in nets)
    for a, b in itertools.combinations(nets, 2):
        assert not a.overlaps(b), f"{a} overlaps {b}"


def test_default_plan_for_a_slash16_reserves_six_az_slots():
    plan = cidr_plan("10.0.0.0/16", 2, SIZES)
    # private_app /20 x 6 slots = 10.0.0.0-10.0.95.255, then public /24 x 6, then private_data /24 x 6.
    assert plan == {
        "private_app": ["10.0.0.0/20", "10.0.16.0/20"],
        "public": ["10.0.96.0/24", "10.0.97.0/24"],
        "private_data": ["10.0.102.0/24", "10.0.103.0/24"],
    }


def test_without_reserve_the_packing_is_tight():
    plan = cidr_plan("10.0.0.0/16", 2, SIZES, reserve_az_count=2)
    assert plan == {
        "private_app": ["10.0.0.0/20", "10.0.16.0/20"],
        "public": ["10.0.32.0/24", "10.0.33.0/24"],
        "private_data": ["10.0.34.0/24", "10.0.35.0/24"],
    }


@pytest.mark.parametrize("cidr,sizes", [("10.0.0.0/16", SIZES), ("10.42.0.0/20", {"public": 26, "private_app": 23, "private_data": 26})])
def test_subnets_of_existing_azs_do_not_move_when_az_count_changes(cidr, sizes):
    plans = [cidr_plan(cidr, count, sizes) for count in range(1, 7)]
    for smaller, larger in zip(plans, plans[1:]):
        for tier in smaller:
            assert larger[tier][: len(smaller[tier])] == smaller[tier]


def test_falls_back_to_tight_packing_when_six_slots_do_not_fit():
    # A /18 (16384 addresses) holds 3 AZs of /20 + /23 + /23 (15360) but not 6 slots (30720).
    sizes = {"public": 23, "private_app": 20, "private_data": 23}
    plan = cidr_plan("10.0.0.0/18", 3, sizes)
    _assert_valid(plan, "10.0.0.0/18", 3)
    assert plan["private_app"] == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]


@pytest.mark.parametrize("az_count", [1, 2, 3, 4, 5, 6])
def test_every_az_count_gives_disjoint_subnets_inside_the_vpc(az_count):
    plan = cidr_plan("10.20.0.0/16", az_count, SIZES)
    _assert_valid(plan, "10.20.0.0/16", az_count)


def test_same_input_gives_same_plan_and_dict_order_does_not_matter():
    reordered = {"private_data": 24, "public": 24, "private_app": 20}
    assert cidr_plan("172.16.0.0/16", 3, SIZES) == cidr_plan("172.16.0.0/16", 3, reordered)


def test_equal_sizes_follow_tier_order():
    plan = cidr_plan("10.1.0.0/24", 2, {"public": 27, "private_app": 27, "private_data": 27})
    assert plan["public"] == ["10.1.0.0/27", "10.1.0.32/27"]
    assert plan["private_app"] == ["10.1.0.64/27", "10.1.0.96/27"]
    assert plan["private_data"] == ["10.1.0.128/27", "10.1.0.160/27"]


def test_plan_that_exactly_fills_the_vpc_is_accepted():
    # 2 x /18 + 2 x /19 + 2 x /19 = the whole /16
    plan = cidr_plan("10.0.0.0/16", 2, {"public": 19, "private_app": 18, "private_data": 19})
    total = sum(net.num_addresses for net in _all_nets(plan))
    assert total == 2**16
    _assert_valid(plan, "10.0.0.0/16", 2)


def test_too_small_vpc_names_vpc_cidr_and_the_tier():
    with pytest.raises(AnsibleFilterError) as err:
        cidr_plan("10.0.0.0/20", 3, SIZES)
    message = str(err.value)
    assert "vpc_cidr 10.0.0.0/20 is too small for the plan" in message
    assert "private_app" in message or "public" in message


def test_tier_larger_than_vpc_names_the_tier_size_variable():
    with pytest.raises(AnsibleFilterError, match=r"vpc_subnet_prefix_lengths\.private_app /20 is larger than vpc_cidr"):
        cidr_plan("10.0.0.0/22", 2, SIZES)


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "10.0.0.1/16", "not-a-cidr", "300.0.0.0/16", "fd00::/48", 12])
def test_invalid_vpc_cidr_is_rejected(bad):
    with pytest.raises(AnsibleFilterError, match="vpc_cidr"):
        cidr_plan(bad, 2, SIZES)


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "10.0.0.0/29"])
def test_vpc_prefix_outside_aws_limits_is_rejected(cidr):
    with pytest.raises(AnsibleFilterError, match=r"vpc_cidr .* between /16 and /28"):
        cidr_plan(cidr, 1, {"public": 28, "private_app": 28, "private_data": 28})


@pytest.mark.parametrize("count", [0, 7, -1, "x", True])
def test_az_count_out_of_range(count):
    with pytest.raises(AnsibleFilterError, match="vpc_az_count"):
        cidr_plan("10.0.0.0/16", count, SIZES)


def test_explicit_tier_is_used_and_other_tiers_are_carved_around_it():
    explicit = {"public": ["10.0.0.0/24", "10.0.1.0/24"]}
    plan = cidr_plan("10.0.0.0/16", 2, SIZES, explicit)
    assert plan["public"] == ["10.0.0.0/24", "10.0.1.0/24"]
    # The /20s cannot start at 10.0.0.0 any more; they move to the next aligned free blocks.
    assert plan["private_app"] == ["10.0.16.0/20", "10.0.32.0/20"]
    assert plan["private_data"] == ["10.0.2.0/24", "10.0.3.0/24"]
    _assert_valid(plan, "10.0.0.0/16", 2)


def test_all_tiers_explicit_needs_no_sizes():
    explicit = {
        "public": ["10.0.0.0/24"],
        "private_app": ["10.0.16.0/20"],
        "private_data": ["10.0.1.0/24"],
    }
    assert cidr_plan("10.0.0.0/16", 1, None, explicit) == explicit


def test_explicit_subnet_outside_vpc_names_the_entry():
    with pytest.raises(AnsibleFilterError, match=r"vpc_subnet_cidrs\.public\[1\] 10\.9\.0\.0/24 is not inside vpc_cidr 10\.0\.0\.0/16"):
        cidr_plan("10.0.0.0/16", 2, SIZES, {"public": ["10.0.0.0/24", "10.9.0.0/24"]})


def test_overlapping_explicit_tiers_name_both_entries():
    explicit = {"public": ["10.0.0.0/24", "10.0.1.0/24"], "private_data": ["10.0.1.128/25", "10.0.2.0/24"]}
    with pytest.raises(AnsibleFilterError) as err:
        cidr_plan("10.0.0.0/16", 2, SIZES, explicit)
    assert "vpc_subnet_cidrs.private_data[0] 10.0.1.128/25 overlaps vpc_subnet_cidrs.public[1] 10.0.1.0/24" in str(err.value)


def test_overlap_within_one_tier_is_rejected():
    with pytest.raises(AnsibleFilterError, match=r"vpc_subnet_cidrs\.public\[1\] .* overlaps vpc_subnet_cidrs\.public\[0\]"):
        cidr_plan("10.0.0.0/16", 2, SIZES, {"public": ["10.0.0.0/23", "10.0.1.0/24"]})


@pytest.mark.parametrize("count,relation", [(3, "more"), (1, "fewer")])
def test_explicit_list_length_must_match_az_count(count, relation):
    cidrs = [f"10.0.{i}.0/24" for i in range(count)]
    with pytest.raises(AnsibleFilterError, match=rf"vpc_subnet_cidrs\.public lists {count} CIDRs, {relation} than vpc_az_count \(2\)"):
        cidr_plan("10.0.0.0/16", 2, SIZES, {"public": cidrs})


def test_unknown_tier_is_rejected():
    with pytest.raises(AnsibleFilterError, match=r"vpc_subnet_cidrs has an unknown tier 'database'"):
        cidr_plan("10.0.0.0/16", 2, SIZES, {"database": ["10.0.0.0/24", "10.0.1.0/24"]})


def test_missing_tier_size_is_named():
    with pytest.raises(AnsibleFilterError, match=r"vpc_subnet_prefix_lengths\.private_data is required"):
        cidr_plan("10.0.0.0/16", 2, {"public": 24, "private_app": 20})


def test_tier_size_outside_aws_limits():
    with pytest.raises(AnsibleFilterError, match=r"vpc_subnet_prefix_lengths\.public must be between 16 and 28"):
        cidr_plan("10.0.0.0/16", 2, {"public": 29, "private_app": 20, "private_data": 24})


def test_var_prefix_changes_the_names_in_messages():
    with pytest.raises(AnsibleFilterError, match="net_cidr"):
        cidr_plan("bogus", 2, SIZES, var_prefix="net_")


def test_filter_module_exports_cidr_plan():
    assert cidr_plan_module.FilterModule().filters()["cidr_plan"] is cidr_plan


@pytest.mark.parametrize("vpc_prefix,az_count", list(itertools.product([16, 18, 20, 22], [1, 2, 3, 4, 5, 6])))
def test_carving_never_overlaps_or_escapes_for_scaled_sizes(vpc_prefix, az_count):
    # Sizes scaled to the VPC (like inventories/local): fit whenever 6 x (2 small + 1 big) fits.
    delta = vpc_prefix - 16
    sizes = {"public": 24 + min(delta, 4), "private_app": 20 + delta, "private_data": 24 + min(delta, 4)}
    plan = cidr_plan(f"10.0.0.0/{vpc_prefix}", az_count, sizes)
    _assert_valid(plan, f"10.0.0.0/{vpc_prefix}", az_count)
