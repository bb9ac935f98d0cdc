# The bastion: reached only through Systems Manager Session Manager (no inbound rule, no key pair, no public IP),
# for port forwarding to Aurora.

data "aws_ssm_parameter" "al2023" {
  count = var.bastion_ami_id == "" ? 1 : 0
  name  = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

data "aws_iam_policy_document" "ec2_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "bastion" {
  name               = "${var.name}-bastion"
  assume_role_policy = data.aws_iam_policy_document.ec2_trust.json
}

resource "aws_iam_role_policy_attachment" "bastion_ssm" {
  role       = aws_iam_role.bastion.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "bastion" {
  name = "${var.name}-bastion"
  role = aws_iam_role.bastion.name
}

resource "aws_instance" "bastion" {
  ami           = var.bastion_ami_id == "" ? nonsensitive(data.aws_ssm_parameter.al2023[0].value) : var.bastion_ami_id
  instance_type = var.bastion_instance_type
  # try(): a destroy run may pass no subnets (only the state matters then); an apply always has them.
  subnet_id              = try(var.app_subnet_ids[0], null)
  vpc_security_group_ids = [aws_security_group.bastion.id]
  iam_instance_profile   = aws_iam_instance_profile.bastion.name
  monitoring             = true
  ebs_optimized          = true

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  root_block_device {
    encrypted   = true
    kms_key_id  = aws_kms_key.stack.arn
    volume_type = "gp3"
    volume_size = 8
  }

  tags = {
    Name = "${var.name}-bastion"
  }

  # A newer Amazon Linux AMI must not replace a running bastion; a replacement is a deliberate change.
  lifecycle {
    ignore_changes = [ami]
  }
}
