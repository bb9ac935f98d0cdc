resource "aws_lb" "web" {
  #checkov:skip=CKV2_AWS_20:HTTP redirects to HTTPS whenever eventmall_alb_certificate_arn is set; without one CloudFront is the TLS end
  #checkov:skip=CKV2_AWS_28:WAF web ACLs are an account-level choice (Firewall Manager)
  #checkov:skip=CKV_AWS_91:access logs need a bucket that grants the regional ELB account; left to the account's logging setup
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
}

resource "aws_lb_target_group" "web" {
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; the tasks are reached inside the VPC, only from its security group
  name        = "${var.name}-tg"
  target_type = "ip"
  protocol    = "HTTP"
  port        = var.container_port
  vpc_id      = var.vpc_id

  health_check {
    path    = "/healthz"
    matcher = "200"
  }
}

# With a certificate: HTTPS serves, HTTP redirects. Without one: HTTP serves (CloudFront's origin protocol).
resource "aws_lb_listener" "https" {
  count             = var.alb_certificate_arn == "" ? 0 : 1
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.alb_certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:HTTP serves only when no certificate is given (then CloudFront terminates TLS); otherwise it redirects
  #checkov:skip=CKV_AWS_103:see CKV_AWS_2: the HTTPS listener sets a TLS 1.2+ policy
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = var.alb_certificate_arn == "" ? "forward" : "redirect"
    target_group_arn = var.alb_certificate_arn == "" ? aws_lb_target_group.web.arn : null

    dynamic "redirect" {
      for_each = var.alb_certificate_arn == "" ? [] : [1]
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}
