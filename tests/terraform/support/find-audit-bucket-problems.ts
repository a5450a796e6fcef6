import { blocksOf, type HclBody } from './parse-hcl.js';
import type { TerraformModule, TerraformResource } from './parse-terraform-module.js';

/** Resources of a type whose `bucket` refers to the given bucket resource. */
function attachedTo(module: TerraformModule, type: string, bucket: TerraformResource): HclBody[] {
  const reference = `aws_s3_bucket.${bucket.name}.`;
  return module.resources
    .filter((resource) => resource.type === type)
    .filter(
      (resource) =>
        typeof resource.body['bucket'] === 'string' && resource.body['bucket'].includes(reference),
    )
    .map((resource) => resource.body);
}

/**
 * The audit archive cannot lose or hide an entry: object lock enabled on the bucket with a compliance-mode
 * default retention, versioning on, encryption at rest, all public access blocked, no force_destroy.
 */
export function findAuditBucketProblems(module: TerraformModule): string[] {
  const buckets = module.resources.filter((resource) => resource.type === 'aws_s3_bucket');
  if (buckets.length === 0) return [`${module.name}: no aws_s3_bucket`];
  const problems: string[] = [];
  for (const bucket of buckets) {
    const where = `${module.name}: aws_s3_bucket.${bucket.name}`;
    if (bucket.body['object_lock_enabled'] !== true) problems.push(`${where} does not enable object lock`);
    if (bucket.body['force_destroy'] === true) problems.push(`${where} may be force-destroyed`);

    const retentions = attachedTo(module, 'aws_s3_bucket_object_lock_configuration', bucket)
      .flatMap((lock) => blocksOf(lock, 'rule'))
      .flatMap((rule) => blocksOf(rule, 'default_retention'));
    if (retentions.length === 0) problems.push(`${where} has no default object lock retention`);
    for (const retention of retentions) {
      if (retention['mode'] !== 'COMPLIANCE') {
        problems.push(`${where} locks objects in ${JSON.stringify(retention['mode'])} mode, not COMPLIANCE`);
      }
      if (retention['days'] === undefined && retention['years'] === undefined) {
        problems.push(`${where} sets no retention period`);
      }
    }

    const versioning = attachedTo(module, 'aws_s3_bucket_versioning', bucket).flatMap((v) =>
      blocksOf(v, 'versioning_configuration'),
    );
    if (!versioning.some((configuration) => configuration['status'] === 'Enabled')) {
      problems.push(`${where} does not enable versioning`);
    }

    const encryption = attachedTo(module, 'aws_s3_bucket_server_side_encryption_configuration', bucket)
      .flatMap((configuration) => blocksOf(configuration, 'rule'))
      .flatMap((rule) => blocksOf(rule, 'apply_server_side_encryption_by_default'));
    if (
      !encryption.some((rule) => rule['sse_algorithm'] === 'aws:kms' || rule['sse_algorithm'] === 'AES256')
    ) {
      problems.push(`${where} has no default encryption`);
    }

    const blocks = attachedTo(module, 'aws_s3_bucket_public_access_block', bucket);
    const settings = [
      'block_public_acls',
      'block_public_policy',
      'ignore_public_acls',
      'restrict_public_buckets',
    ];
    if (!blocks.some((block) => settings.every((setting) => block[setting] === true))) {
      problems.push(`${where} does not block all public access`);
    }
  }
  return problems;
}
