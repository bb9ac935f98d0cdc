# The security group rules had a resource each before network.tf built them with for_each; these blocks move
# the rules of a state written then to their new addresses instead of replacing them.

moved {
  from = aws_vpc_security_group_egress_rule.tasks_https
  to   = aws_vpc_security_group_egress_rule.https_to_internet["tasks"]
}

moved {
  from = aws_vpc_security_group_egress_rule.bastion_https
  to   = aws_vpc_security_group_egress_rule.https_to_internet["bastion"]
}

moved {
  from = aws_vpc_security_group_egress_rule.alb_to_tasks
  to   = aws_vpc_security_group_egress_rule.tier_link["alb_to_tasks"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.tasks_from_alb
  to   = aws_vpc_security_group_ingress_rule.tier_link["alb_to_tasks"]
}

moved {
  from = aws_vpc_security_group_egress_rule.tasks_to_cache
  to   = aws_vpc_security_group_egress_rule.tier_link["tasks_to_cache"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.cache_from_tasks
  to   = aws_vpc_security_group_ingress_rule.tier_link["tasks_to_cache"]
}

moved {
  from = aws_vpc_security_group_egress_rule.tasks_to_database
  to   = aws_vpc_security_group_egress_rule.tier_link["tasks_to_database"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.database_from_tasks
  to   = aws_vpc_security_group_ingress_rule.tier_link["tasks_to_database"]
}

moved {
  from = aws_vpc_security_group_egress_rule.bastion_to_database
  to   = aws_vpc_security_group_egress_rule.tier_link["bastion_to_database"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.database_from_bastion
  to   = aws_vpc_security_group_ingress_rule.tier_link["bastion_to_database"]
}
