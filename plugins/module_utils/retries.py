# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWSRetry policies of this collection, one per set of errors they retry.

Every AWS call this collection's own code makes goes through one of these, either as a decorator or as
the ``retry_decorator`` of a client (then called with ``aws_retry=True``); helpers of amazon.aws (such as
add_ec2_tags) bring their own AWSRetry. Each tries a call up to 10 times (first try included), sleeping a
random time below 3 s, 6 s, 12 s ... capped at 60 s between tries (at most about 5.5 minutes of sleep in
all). botocore retries every HTTP request underneath as well (``AWS_RETRY_MODE``/``AWS_MAX_ATTEMPTS``, see
docs/architecture.md); the two multiply.
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

_POLICY = dict(retries=10, delay=3, max_delay=60)

# AWSRetry's own list: Throttling (IAM, STS), RequestLimitExceeded (EC2), TooManyRequestsException and the
# server errors InternalError, InternalFailure, ServiceUnavailable, Unavailable.
THROTTLING_AND_SERVER_ERRORS = AWSRetry.jittered_backoff(**_POLICY)

# The same plus ThrottlingException, with which EKS and ECR throttle and which AWSRetry's own list lacks.
THROTTLING_EXCEPTION_AND_SERVER_ERRORS = AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"], **_POLICY)
