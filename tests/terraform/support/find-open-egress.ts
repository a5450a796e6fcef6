import { asBody, blocksOf, isExpression, type HclBody, type HclValue } from './parse-hcl.js';
import type { TerraformModule } from './parse-terraform-module.js';

const OPEN_RANGES = new Set(['0.0.0.0/0', '::/0']);

type Owner = 'this group' | 'another group' | 'unknown group';

/** Which group a standalone rule belongs to, judged from its `security_group_id` expression. */
function ownerOf(securityGroupId: HclValue | undefined, groupName: string): Owner {
  if (typeof securityGroupId !== 'string') return 'unknown group';
  const named = [...securityGroupId.matchAll(/aws_security_group\.([A-Za-z0-9_-]+)\./g)].map(
    (match) => match[1],
  );
  if (named.includes(groupName)) return 'this group';
  return named.length > 0 ? 'another group' : 'unknown group';
}

function rangesOf(body: HclBody, attributes: readonly string[]): HclValue[] {
  return attributes.flatMap((attribute) => {
    const value = body[attribute];
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? value : [value];
  });
}

/** Problems with the destination ranges of one egress rule that applies (or may apply) to the group. */
function checkRanges(where: string, ranges: HclValue[]): string[] {
  return ranges.flatMap((range) => {
    if (typeof range === 'string' && OPEN_RANGES.has(range)) return [`${where} allows egress to ${range}`];
    if (typeof range !== 'string' || isExpression(range)) {
      return [
        `${where} allows egress to a computed range (${JSON.stringify(range)}), which cannot be checked`,
      ];
    }
    return [];
  });
}

/**
 * Egress to the whole internet from the named security group: inline or dynamic egress blocks, standalone
 * egress rules naming the group, and, conservatively, any standalone egress rule with a range whose group
 * cannot be told from its expression.
 */
export function findOpenEgress(module: TerraformModule, groupName: string): string[] {
  const problems: string[] = [];
  const group = module.resources.find(
    (resource) => resource.type === 'aws_security_group' && resource.name === groupName,
  );
  if (!group) return [`${module.name}: no aws_security_group "${groupName}"`];

  const inline = [
    ...blocksOf(group.body, 'egress'),
    ...blocksOf(asBody(group.body['dynamic']), 'egress').flatMap((block) => blocksOf(block, 'content')),
  ];
  for (const rule of inline) {
    problems.push(
      ...checkRanges(
        `${module.name}: aws_security_group.${groupName} egress`,
        rangesOf(rule, ['cidr_blocks', 'ipv6_cidr_blocks']),
      ),
    );
  }

  for (const resource of module.resources) {
    const where = `${module.name}: ${resource.type}.${resource.name}`;
    let ranges: HclValue[];
    if (resource.type === 'aws_vpc_security_group_egress_rule') {
      ranges = rangesOf(resource.body, ['cidr_ipv4', 'cidr_ipv6']);
    } else if (resource.type === 'aws_security_group_rule' && resource.body['type'] !== 'ingress') {
      ranges = rangesOf(resource.body, ['cidr_blocks', 'ipv6_cidr_blocks']);
    } else {
      continue;
    }
    const owner = ownerOf(resource.body['security_group_id'], groupName);
    if (owner === 'another group' || ranges.length === 0) continue;
    problems.push(...checkRanges(`${where} (${owner})`, ranges));
  }
  return problems;
}
