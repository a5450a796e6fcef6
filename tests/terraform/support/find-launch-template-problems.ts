import { blocksOf } from './parse-hcl.js';
import type { TerraformModule } from './parse-terraform-module.js';

/**
 * Hosts are private and hardened: every launch template requires IMDSv2, gives no public address
 * (explicitly, on every network interface) and encrypts every volume.
 */
export function findLaunchTemplateProblems(module: TerraformModule): string[] {
  const problems: string[] = [];
  for (const template of module.resources.filter((resource) => resource.type === 'aws_launch_template')) {
    const where = `${module.name}: aws_launch_template.${template.name}`;
    const metadata = blocksOf(template.body, 'metadata_options');
    if (!metadata.some((options) => options['http_tokens'] === 'required')) {
      problems.push(`${where} does not require IMDSv2 (metadata_options.http_tokens = "required")`);
    }
    const interfaces = blocksOf(template.body, 'network_interfaces');
    if (interfaces.length === 0 || interfaces.some((nic) => nic['associate_public_ip_address'] !== false)) {
      problems.push(`${where} does not rule out public IP addresses on every network interface`);
    }
    const volumes = blocksOf(template.body, 'block_device_mappings').flatMap((mapping) =>
      blocksOf(mapping, 'ebs'),
    );
    if (volumes.length === 0 || volumes.some((volume) => volume['encrypted'] !== true)) {
      problems.push(`${where} leaves a volume unencrypted (or relies on the account default)`);
    }
  }
  return problems;
}
