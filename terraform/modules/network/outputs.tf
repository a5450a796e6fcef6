output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 range of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "subnet_ids" {
  description = "Subnet IDs per zone (public, broker, portal, desktops, data, endpoints), one per availability zone."
  value = {
    for zone in local.zones :
    zone => [for key, subnet in local.subnets : aws_subnet.this[key].id if subnet.zone == zone]
  }
}

output "security_group_ids" {
  description = "Security group IDs per role (lb, broker, desktops, portal_lb, portal, redis, postgresql, endpoints)."
  value       = local.security_group_ids
}

output "vendor_prefix_list_id" {
  description = "ID of the managed prefix list of vendor endpoints that desktops and portal servers may reach."
  value       = aws_ec2_managed_prefix_list.vendor_endpoints.id
}

output "nat_public_ips" {
  description = "Public addresses the portal and desktops appear from, for vendors that allow-list their callers."
  value       = [for eip in aws_eip.nat : eip.public_ip]
}

output "flow_log_group_name" {
  description = "CloudWatch Logs group receiving the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
