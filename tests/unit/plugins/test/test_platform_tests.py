"""Unit tests of the platform_name test (plugins/test/platform_tests.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[4] / "plugins" / "test" / "platform_tests.py"
_SPEC = importlib.util.spec_from_file_location("eksforge_platform_tests", _PATH)
platform_tests = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(platform_tests)


@pytest.mark.parametrize("name", ["a", "demo", "shop-dev", "0x1", "a" * 24, "a-b-c-9"])
def test_valid_platform_names(name):
    assert platform_tests.platform_name(name)


@pytest.mark.parametrize("name", [
    "", "a" * 25, "Demo", "-demo", "demo-", "de_mo", "de.mo", "de mo", "démo", "demo\n", None, 42, ["demo"],
])
def test_invalid_platform_names(name):
    assert not platform_tests.platform_name(name)


def test_the_test_is_exported_under_its_name():
    assert platform_tests.TestModule().tests() == {"platform_name": platform_tests.platform_name,
                                                   "dns_name": platform_tests.dns_name}


@pytest.mark.parametrize("name", ["example.com", "shop.eksforge-local.example.test", "a.b.io", "x1." * 80 + "io"])
def test_valid_dns_names(name):
    assert platform_tests.dns_name(name)


@pytest.mark.parametrize("name", [
    "", "localhost", "Shop.example.com", "shop..example.com", "-shop.example.com", "shop-.example.com",
    "shop.example.c0m", "shop example.com", "shop.example.com.", "*.example.com", "a" * 64 + ".com",
    "x1." * 84 + "io", None, 42, ["example.com"],
])
def test_invalid_dns_names(name):
    assert not platform_tests.dns_name(name)
