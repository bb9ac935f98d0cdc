# Least privilege between the tiers: internet -> ALB -> tasks -> cache / database; the bastion reaches the
# database, and nothing reaches the bastion (Session Manager needs no inbound rule).

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "eventmall load balancer: HTTP(S) from the internet"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "tasks" {
  name        = "${var.name}-tasks"
  description = "eventmall Fargate tasks: only from the load balancer"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "cache" {
  name        = "${var.name}-cache"
  description = "eventmall Memcached: only from the tasks"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "database" {
  name        = "${var.name}-database"
  description = "eventmall Aurora: only from the tasks and the bastion"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "bastion" {
  name        = "${var.name}-bastion"
  description = "eventmall bastion: no inbound rule (Session Manager), out to AWS APIs and the database"
  vpc_id      = var.vpc_id
}

locals {
  security_group_ids = {
    alb      = aws_security_group.alb.id
    tasks    = aws_security_group.tasks.id
    cache    = aws_security_group.cache.id
    database = aws_security_group.database.id
    bastion  = aws_security_group.bastion.id
  }

  # Every TCP path from one tier to another: an egress rule on the client's group and an ingress rule on the
  # server's group, each naming the other group.
  tier_links = {
    alb_to_tasks = {
      client = "alb", server = "tasks", port = var.container_port
      egress = "To the tasks", ingress = "From the load balancer"
    }
    tasks_to_cache = {
      client = "tasks", server = "cache", port = 11211
      egress = "To Memcached", ingress = "Memcached from the tasks"
    }
    tasks_to_database = {
      client = "tasks", server = "database", port = 3306
      egress = "To Aurora", ingress = "MySQL from the tasks"
    }
    bastion_to_database = {
      client = "bastion", server = "database", port = 3306
      egress = "To Aurora", ingress = "MySQL from the bastion"
    }
  }
}

resource "aws_vpc_security_group_egress_rule" "tier_link" {
  for_each = local.tier_links

  security_group_id            = local.security_group_ids[each.value.client]
  description                  = each.value.egress
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = local.security_group_ids[each.value.server]
}

resource "aws_vpc_security_group_ingress_rule" "tier_link" {
  for_each = local.tier_links

  security_group_id            = local.security_group_ids[each.value.server]
  description                  = each.value.ingress
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = local.security_group_ids[each.value.client]
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from the internet"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# Not folded into alb_https with for_each: the checkov skip must cover port 80 only.
resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  #checkov:skip=CKV_AWS_260:CloudFront reaches the origin over HTTP when no ALB certificate is given; with one, port 80 only redirects to HTTPS
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from the internet (redirected to HTTPS when the listener has a certificate)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "https_to_internet" {
  for_each = {
    tasks   = "HTTPS to AWS APIs and the image registry"
    bastion = "HTTPS to Systems Manager"
  }

  security_group_id = local.security_group_ids[each.key]
  description       = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
