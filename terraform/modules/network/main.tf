data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # Small zones take /24-sized slices (for a /16 VPC) from the lower half of the range, sixteen slots per
  # zone so availability zones can be added later without renumbering; the desktop pool, by far the
  # largest, takes /20-sized slices from the upper half.
  # Slot 2 held the guacd hosts' zone before guacd moved beside the desktops (decision 0022); it stays free
  # so that the other zones keep their ranges.
  small_zone_slot = {
    public    = 0
    broker    = 1
    portal    = 3
    data      = 4
    endpoints = 5
  }

  small_subnets = {
    for pair in setproduct(keys(local.small_zone_slot), var.availability_zones) :
    "${pair[0]}-${pair[1]}" => {
      zone              = pair[0]
      availability_zone = pair[1]
      cidr_block        = cidrsubnet(var.cidr_block, 8, local.small_zone_slot[pair[0]] * 16 + index(var.availability_zones, pair[1]))
    }
  }

  desktop_subnets = {
    for i, az in var.availability_zones :
    "desktops-${az}" => {
      zone              = "desktops"
      availability_zone = az
      cidr_block        = cidrsubnet(var.cidr_block, 4, 8 + i)
    }
  }

  subnets = merge(local.small_subnets, local.desktop_subnets)
  zones   = concat(keys(local.small_zone_slot), ["desktops"])

  # Zones that talk to vendor systems on the internet, through NAT and only to the vendor prefix list.
  # Brokers and the data stores have no route out at all.
  nat_zones = ["portal", "desktops"]
  nat_azs   = var.single_nat_gateway ? [var.availability_zones[0]] : var.availability_zones

  security_group_ids = {
    lb         = aws_security_group.lb.id
    broker     = aws_security_group.broker.id
    desktops   = aws_security_group.desktops.id
    portal_lb  = aws_security_group.portal_lb.id
    portal     = aws_security_group.portal.id
    redis      = aws_security_group.redis.id
    postgresql = aws_security_group.postgresql.id
    endpoints  = aws_security_group.endpoints.id
  }

  # Every connection the architecture needs between zones, and nothing else. Each flow becomes an egress
  # rule on the caller and a matching ingress rule on the callee, both naming the other group, never a range.
  flows = {
    "lb-to-broker" = {
      from        = "lb"
      to          = "broker"
      port        = var.broker_port
      description = "Load balancer to brokers (HTTPS and WebSocket tunnels, health checks)"
    }
    # guacd runs beside each desktop, its VNC on that host's loopback: no screen crosses the network.
    "broker-to-desktop-guacd" = {
      from        = "broker"
      to          = "desktops"
      port        = var.guacd_port
      description = "Broker tunnels to the guacd beside each desktop (TLS)"
    }
    "broker-to-desktop-agent" = {
      from        = "broker"
      to          = "desktops"
      port        = var.desktop_agent_port
      description = "Broker to the desktop agent API (mutual TLS)"
    }
    "desktops-to-portal" = {
      from        = "desktops"
      to          = "portal_lb"
      port        = 443
      description = "Kiosk browser to the portal"
    }
    "broker-to-portal" = {
      from        = "broker"
      to          = "portal_lb"
      port        = 443
      description = "Broker to the portal's single sign-on hand-off (signed requests)"
    }
    "portal-lb-to-portal" = {
      from        = "portal_lb"
      to          = "portal"
      port        = var.portal_port
      description = "Internal load balancer to portal servers"
    }
    "broker-to-redis" = {
      from        = "broker"
      to          = "redis"
      port        = var.redis_port
      description = "Broker sessions, leases and socket.io adapter"
    }
    "portal-to-redis" = {
      from        = "portal"
      to          = "redis"
      port        = var.redis_port
      description = "Portal live updates"
    }
    "broker-to-postgresql" = {
      from        = "broker"
      to          = "postgresql"
      port        = var.postgresql_port
      description = "Broker audit trail"
    }
    "portal-to-postgresql" = {
      from        = "portal"
      to          = "postgresql"
      port        = var.postgresql_port
      description = "Portal data"
    }
    "broker-to-endpoints" = {
      from        = "broker"
      to          = "endpoints"
      port        = 443
      description = "Broker to AWS APIs (secrets, logs, discovery, pool metrics)"
    }
    "portal-to-endpoints" = {
      from        = "portal"
      to          = "endpoints"
      port        = 443
      description = "Portal servers to AWS APIs (secrets, logs)"
    }
    "desktops-to-endpoints" = {
      from        = "desktops"
      to          = "endpoints"
      port        = 443
      description = "Desktop hosts to AWS APIs (their certificates from the internal CA, logs)"
    }
  }

  public_ingress = {
    for pair in setproduct(var.public_ingress_cidr_blocks, [80, 443]) :
    "${pair[0]}-${pair[1]}" => { cidr = pair[0], port = pair[1] }
  }
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = var.name })
}

# The default security group of a VPC allows all traffic between its members; strip it so nothing can
# fall back to it.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-default-unused" })
}

resource "aws_subnet" "this" {
  for_each = local.subnets

  vpc_id                  = aws_vpc.this.id
  cidr_block              = each.value.cidr_block
  availability_zone       = each.value.availability_zone
  map_public_ip_on_launch = false

  tags = merge(var.tags, {
    Name = "${var.name}-${each.key}"
    Zone = each.value.zone
  })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_eip" "nat" {
  for_each = toset(local.nat_azs)

  domain = "vpc"

  tags = merge(var.tags, { Name = "${var.name}-nat-${each.key}" })
}

resource "aws_nat_gateway" "this" {
  for_each = toset(local.nat_azs)

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.this["public-${each.key}"].id

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "nat" {
  for_each = toset(var.availability_zones)

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-nat-${each.key}" })
}

resource "aws_route" "nat_internet" {
  for_each = toset(var.availability_zones)

  route_table_id         = aws_route_table.nat[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? var.availability_zones[0] : each.key].id
}

resource "aws_route_table" "isolated" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-isolated" })
}

resource "aws_route_table_association" "this" {
  for_each = local.subnets

  subnet_id = aws_subnet.this[each.key].id
  route_table_id = (
    each.value.zone == "public" ? aws_route_table.public.id :
    contains(local.nat_zones, each.value.zone) ? aws_route_table.nat[each.value.availability_zone].id :
    aws_route_table.isolated.id
  )
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${data.aws_region.current.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = concat([aws_route_table.isolated.id], [for table in aws_route_table.nat : table.id])

  tags = merge(var.tags, { Name = "${var.name}-s3" })
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoint_services)

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${data.aws_region.current.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [for key, subnet in local.subnets : aws_subnet.this[key].id if subnet.zone == "endpoints"]
  security_group_ids  = [aws_security_group.endpoints.id]

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

# Vendor systems the desktops and portal may reach. A managed prefix list lets operators see and change
# the allow-list in one place; the security groups below refer to it rather than to ranges.
resource "aws_ec2_managed_prefix_list" "vendor_endpoints" {
  name           = "${var.name}-vendor-endpoints"
  address_family = "IPv4"
  max_entries    = max(length(var.vendor_endpoints), 1)

  dynamic "entry" {
    for_each = var.vendor_endpoints

    content {
      cidr        = entry.value.cidr
      description = entry.value.description
    }
  }

  tags = var.tags
}

resource "aws_security_group" "lb" {
  name        = "${var.name}-lb"
  description = "Public load balancer: HTTPS from practitioners' devices, forwards to brokers"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-lb" })
}

resource "aws_security_group" "broker" {
  name        = "${var.name}-broker"
  description = "Connection brokers"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-broker" })
}

resource "aws_security_group" "desktops" {
  name        = "${var.name}-desktops"
  description = "Desktop hosts: no internet except allow-listed vendor endpoints"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-desktops" })
}

resource "aws_security_group" "portal_lb" {
  name        = "${var.name}-portal-lb"
  description = "Internal load balancer of the portal: reached only from desktops and brokers"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-portal-lb" })
}

resource "aws_security_group" "portal" {
  name        = "${var.name}-portal"
  description = "Portal servers (workspace-app)"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-portal" })
}

resource "aws_security_group" "redis" {
  name        = "${var.name}-redis"
  description = "Managed Redis"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-redis" })
}

resource "aws_security_group" "postgresql" {
  name        = "${var.name}-postgresql"
  description = "Managed PostgreSQL"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-postgresql" })
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name}-endpoints"
  description = "Interface VPC endpoints for AWS APIs"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-endpoints" })
}

resource "aws_vpc_security_group_egress_rule" "flow" {
  for_each = local.flows

  security_group_id            = local.security_group_ids[each.value.from]
  referenced_security_group_id = local.security_group_ids[each.value.to]
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = try(each.value.to_port, each.value.port)
  description                  = each.value.description

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_vpc_security_group_ingress_rule" "flow" {
  for_each = local.flows

  security_group_id            = local.security_group_ids[each.value.to]
  referenced_security_group_id = local.security_group_ids[each.value.from]
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = try(each.value.to_port, each.value.port)
  description                  = each.value.description

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

# Port 80 only answers with a redirect to HTTPS.
resource "aws_vpc_security_group_ingress_rule" "lb_public" {
  for_each = local.public_ingress

  security_group_id = aws_security_group.lb.id
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  description       = "Practitioners' devices to the load balancer"
}

resource "aws_vpc_security_group_egress_rule" "desktops_to_vendors" {
  security_group_id = aws_security_group.desktops.id
  prefix_list_id    = aws_ec2_managed_prefix_list.vendor_endpoints.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "Kiosk browser to allow-listed vendor systems"
}

resource "aws_vpc_security_group_egress_rule" "desktops_to_proxy" {
  count = var.egress_proxy == null ? 0 : 1

  security_group_id            = aws_security_group.desktops.id
  referenced_security_group_id = var.egress_proxy.security_group_id
  ip_protocol                  = "tcp"
  from_port                    = var.egress_proxy.port
  to_port                      = var.egress_proxy.port
  description                  = "Kiosk browser to the filtering egress proxy"
}

resource "aws_vpc_security_group_egress_rule" "portal_to_vendors" {
  security_group_id = aws_security_group.portal.id
  prefix_list_id    = aws_ec2_managed_prefix_list.vendor_endpoints.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "Portal connectors to allow-listed vendor systems"
}

resource "aws_vpc_security_group_egress_rule" "broker_to_s3" {
  security_group_id = aws_security_group.broker.id
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "Broker exports the audit trail to the archive bucket through the S3 gateway endpoint"
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = "/hcw/${var.name}/vpc-flow-logs"
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "flow_logs" {
  name               = "${var.name}-vpc-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.flow_logs.arn}:*"]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "write-flow-logs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}

resource "aws_flow_log" "this" {
  vpc_id               = aws_vpc.this.id
  traffic_type         = "ALL"
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn         = aws_iam_role.flow_logs.arn

  tags = var.tags
}
