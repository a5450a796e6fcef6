data "aws_region" "current" {}

data "aws_ami" "this" {
  filter {
    name   = "image-id"
    values = [var.ami_id]
  }
}

locals {
  user_data = templatefile("${path.module}/templates/user-data.sh.tftpl", {
    region           = data.aws_region.current.region
    agent_secret_arn = aws_secretsmanager_secret.agent.arn
    agent_port       = var.agent_port
    display_number   = var.display_number
    vnc_port         = 5900 + var.display_number
    image_version    = var.image_version
  })
}

# The brokers sign every call to an agent with this secret. All desktops share it, which is safe only
# because desktops cannot reach one another (the network module has no desktop-to-desktop flow).
resource "random_password" "agent" {
  length  = 48
  special = false
}

resource "aws_secretsmanager_secret" "agent" {
  name                    = "${var.name}/agent-secret"
  description             = "Shared secret of the brokers and the desktop agents of ${var.name}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 30

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "agent" {
  secret_id     = aws_secretsmanager_secret.agent.id
  secret_string = random_password.agent.result
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

# A desktop runs a user's session, so its role is the smallest of all: the agent secret and its own logs.
data "aws_iam_policy_document" "desktop" {
  statement {
    sid       = "ReadAgentSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.agent.arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "DecryptAgentSecret"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${data.aws_region.current.region}.amazonaws.com"]
      }
    }
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "desktop" {
  name   = "read-agent-secret-write-logs"
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

  depends_on = [aws_iam_role_policy.desktop, aws_secretsmanager_secret_version.agent]
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
