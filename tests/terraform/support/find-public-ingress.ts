import { asBody, blocksOf, type HclBody, type HclValue } from './parse-hcl.js';
import type { TerraformModule } from './parse-terraform-module.js';

function hasRange(body: HclBody, attributes: readonly string[]): boolean {
  return attributes.some((attribute) => {
    const value: HclValue | undefined = body[attribute];
    return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
  });
}

/**
 * Ingress from address ranges (rather than from another security group) anywhere but the named group, the
 * public load balancer's: every other zone is reached only through the groups of its callers.
 */
export function findPublicIngress(module: TerraformModule, allowedGroup: string): string[] {
  const problems: string[] = [];
  const allowedReference = `aws_security_group.${allowedGroup}.`;
  for (const resource of module.resources) {
    const where = `${module.name}: ${resource.type}.${resource.name}`;
    if (resource.type === 'aws_security_group' && resource.name !== allowedGroup) {
      const inline = [
        ...blocksOf(resource.body, 'ingress'),
        ...blocksOf(asBody(resource.body['dynamic']), 'ingress').flatMap((block) =>
          blocksOf(block, 'content'),
        ),
      ];
      if (inline.some((rule) => hasRange(rule, ['cidr_blocks', 'ipv6_cidr_blocks', 'prefix_list_ids']))) {
        problems.push(`${where} admits traffic from address ranges`);
      }
      continue;
    }
    const isIngressRule =
      resource.type === 'aws_vpc_security_group_ingress_rule' ||
      (resource.type === 'aws_security_group_rule' && resource.body['type'] !== 'egress');
    if (!isIngressRule) continue;
    if (
      !hasRange(resource.body, [
        'cidr_ipv4',
        'cidr_ipv6',
        'prefix_list_id',
        'cidr_blocks',
        'ipv6_cidr_blocks',
      ])
    )
      continue;
    const owner = resource.body['security_group_id'];
    if (typeof owner !== 'string' || !owner.includes(allowedReference)) {
      problems.push(`${where} admits traffic from address ranges into a group other than ${allowedGroup}`);
    }
  }
  return problems;
}
