data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_ami" "this" {
  filter {
    name   = "image-id"
    values = [var.ami_id]
  }
}

locals {
  # Server certificates only: a desktop host can never obtain a certificate the agents would take for a broker.
  server_template_arn = "arn:${data.aws_partition.current.partition}:acm-pca:::template/EndEntityServerAuthCertificate/V1"

  # No secret in user data, nor one shared by the desktops: each host makes its own keys and has the internal
  # CA sign certificates naming its desktop (for the brokers' mutual TLS with its agent) and its guacd.
  user_data = templatefile("${path.module}/templates/user-data.sh.tftpl", {
    region              = data.aws_region.current.region
    internal_ca_arn     = var.internal_ca_arn
    server_template_arn = local.server_template_arn
    validity_days       = var.certificate_validity_days
    agent_port          = var.agent_port
    guacd_port          = var.guacd_port
    display_number      = var.display_number
    vnc_port            = 5900 + var.display_number
    image_version       = var.image_version
  })
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/hcw/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

resource "aws_iam_instance_profile" "this" {
  name = var.name
  role = aws_iam_role.this.name

  tags = var.tags
}

# A desktop runs a user's session, so its role is the smallest of all: server certificates of the internal CA
# for its own keys, and its own logs.
data "aws_iam_policy_document" "desktop" {
  statement {
    sid       = "IssueServerCertificates"
    actions   = ["acm-pca:IssueCertificate"]
    resources = [var.internal_ca_arn]

    condition {
      test     = "StringEquals"
      variable = "acm-pca:TemplateArn"
      values   = [local.server_template_arn]
    }
  }

  statement {
    sid       = "FetchCertificates"
    actions   = ["acm-pca:GetCertificate", "acm-pca:GetCertificateAuthorityCertificate"]
    resources = [var.internal_ca_arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "desktop" {
  name   = "issue-certificates-write-logs"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.desktop.json
}

resource "aws_launch_template" "this" {
  name_prefix            = "${var.name}-"
  image_id               = var.ami_id
  instance_type          = var.instance_type
  update_default_version = true
  user_data              = base64encode(local.user_data)

  iam_instance_profile {
    arn = aws_iam_instance_profile.this.arn
  }

  network_interfaces {
    associate_public_ip_address = false
    delete_on_termination       = true
    security_groups             = var.security_group_ids
  }

  # The kiosk browser runs arbitrary web pages; IMDSv2 with one hop keeps the role out of their reach.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = data.aws_ami.this.root_device_name

    ebs {
      volume_size           = var.root_volume_size_gb
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = var.name, Service = "hcw-desktop", ImageVersion = var.image_version })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(var.tags, { Name = var.name, Service = "hcw-desktop" })
  }

  tags = var.tags
}

resource "aws_autoscaling_group" "this" {
  name                      = var.name
  vpc_zone_identifier       = var.subnet_ids
  min_size                  = var.min_size
  max_size                  = var.max_size
  desired_capacity          = var.desired_capacity
  health_check_type         = "EC2"
  health_check_grace_period = 300

  # Leased hosts are protected one by one by the broker; free hosts may be scaled in.
  protect_from_scale_in = false

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  warm_pool {
    min_size                    = var.warm_pool.min_size
    max_group_prepared_capacity = var.warm_pool.max_group_prepared_capacity
    pool_state                  = var.warm_pool.pool_state

    # A host leaving service held a user's session; it is destroyed, never put back for the next user.
    instance_reuse_policy {
      reuse_on_scale_in = false
    }
  }

  # A new image replaces free hosts first and waits for leased (scale-in protected) hosts until their
  # session ends, so an image roll-out never cuts a practitioner off.
  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage       = 90
      max_healthy_percentage       = 110
      scale_in_protected_instances = "Wait"
      standby_instances            = "Wait"
      skip_matching                = true
    }
  }

  enabled_metrics = [
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupPendingInstances",
    "GroupTerminatingInstances",
    "WarmPoolWarmedCapacity",
  ]

  dynamic "tag" {
    for_each = merge(var.tags, { Name = var.name })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = false
    }
  }

  # The idle-host alarms own the running size once the pool exists.
  lifecycle {
    ignore_changes = [desired_capacity]
  }

  depends_on = [aws_iam_role_policy.desktop]
}

resource "aws_autoscaling_policy" "grow" {
  name                   = "${var.name}-grow"
  autoscaling_group_name = aws_autoscaling_group.this.name
  policy_type            = "SimpleScaling"
  adjustment_type        = "ChangeInCapacity"
  scaling_adjustment     = var.idle_scaling.step
  cooldown               = var.idle_scaling.cooldown_seconds
}

resource "aws_autoscaling_policy" "shrink" {
  name                   = "${var.name}-shrink"
  autoscaling_group_name = aws_autoscaling_group.this.name
  policy_type            = "SimpleScaling"
  adjustment_type        = "ChangeInCapacity"
  scaling_adjustment     = -var.idle_scaling.step
  cooldown               = var.idle_scaling.cooldown_seconds
}

resource "aws_cloudwatch_metric_alarm" "few_idle_hosts" {
  alarm_name          = "${var.name}-few-idle-hosts"
  alarm_description   = "Fewer free desktop hosts than logins may need: grow the pool from the warm pool."
  namespace           = var.idle_scaling.metric_namespace
  metric_name         = var.idle_scaling.metric_name
  dimensions          = { AutoScalingGroupName = aws_autoscaling_group.this.name }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 1
  threshold           = var.idle_scaling.min_idle_hosts
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_autoscaling_policy.grow.arn]

  tags = var.tags
}

# Shrinking waits longer than growing: a morning rush should not be answered by a scale-in a minute later.
resource "aws_cloudwatch_metric_alarm" "many_idle_hosts" {
  alarm_name          = "${var.name}-many-idle-hosts"
  alarm_description   = "More free desktop hosts than needed for a while: shrink the pool (leased hosts are protected)."
  namespace           = var.idle_scaling.metric_namespace
  metric_name         = var.idle_scaling.metric_name
  dimensions          = { AutoScalingGroupName = aws_autoscaling_group.this.name }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 15
  threshold           = var.idle_scaling.max_idle_hosts
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_autoscaling_policy.shrink.arn]

  tags = var.tags
}
