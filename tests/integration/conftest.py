"""Registers the integration tests' fixtures (tests/integration/support/fixtures.py): pytest finds them by name."""

from tests.integration.support.fixtures import (aws, clean_sandbox, platform, platform_built_under_lost_answers,
                                                private_sandbox, run_playbook, sandbox)

__all__ = ["aws", "clean_sandbox", "platform", "platform_built_under_lost_answers", "private_sandbox", "run_playbook",
           "sandbox"]
