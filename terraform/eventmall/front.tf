# The front: static assets in a private bucket that only this CloudFront distribution reads (Origin Access
# Control, SigV4), and /api/* forwarded to the load balancer.

module "front_bucket" {
  source = "./modules/private_bucket"
  name   = local.front_bucket
  policy_statements = [{
    Sid       = "CloudFrontRead"
    Effect    = "Allow"
    Principal = { Service = "cloudfront.amazonaws.com" }
    Action    = "s3:GetObject"
    Resource  = "arn:${local.partition}:s3:::${local.front_bucket}/*"
    Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.front.arn } }
  }]
}

resource "aws_cloudfront_origin_access_control" "front" {
  name                              = "${var.name}-front"
  description                       = "eventmall assets bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# AWS-managed policies: their ids are fixed and published by CloudFront.
locals {
  caching_optimized      = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  caching_disabled       = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
  all_viewer_except_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  security_headers       = "67f7725c-6f97-4210-82d7-5512b31e9d03"
}

resource "aws_cloudfront_distribution" "front" {
  #checkov:skip=CKV2_AWS_42:without eventmall_domain_name the distribution serves its cloudfront.net name with CloudFront's certificate
  #checkov:skip=CKV2_AWS_47:WAF web ACLs (and their managed rule groups) are an account-level choice
  #checkov:skip=CKV2_AWS_32:both cache behaviours attach the AWS-managed SecurityHeadersPolicy by its fixed id (local.security_headers)
  #checkov:skip=CKV_AWS_68:WAF web ACLs are an account-level choice (Firewall Manager); the ALB accepts only what CloudFront forwards
  #checkov:skip=CKV_AWS_86:access logs need a logging bucket with ACLs enabled, which the private buckets refuse; CloudTrail records the configuration changes
  #checkov:skip=CKV_AWS_310:one origin per path pattern; an origin group would need a second assets bucket in another region
  #checkov:skip=CKV_AWS_374:the mall sells worldwide: no geo restriction
  #checkov:skip=CKV_AWS_174:without a domain the distribution uses the cloudfront.net certificate, whose TLS floor CloudFront sets; with one, TLSv1.2_2021
  enabled             = true
  comment             = "${var.name} event mall"
  default_root_object = "index.html"
  aliases             = var.domain_name == "" ? [] : [var.domain_name]
  price_class         = "PriceClass_100"
  wait_for_deployment = false

  origin {
    origin_id                = "assets"
    domain_name              = module.front_bucket.regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.front.id
  }

  origin {
    origin_id   = "api"
    domain_name = aws_lb.web.dns_name
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = var.alb_certificate_arn == "" ? "http-only" : "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id           = "assets"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.caching_optimized
    response_headers_policy_id = local.security_headers
  }

  ordered_cache_behavior {
    path_pattern               = "/api/*"
    target_origin_id           = "api"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = local.caching_disabled
    origin_request_policy_id   = local.all_viewer_except_host
    response_headers_policy_id = local.security_headers
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.domain_name == ""
    acm_certificate_arn            = var.domain_name == "" ? null : var.certificate_arn
    ssl_support_method             = var.domain_name == "" ? null : "sni-only"
    minimum_protocol_version       = var.domain_name == "" ? "TLSv1" : "TLSv1.2_2021"
  }
}
