import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findAuditBucketProblems } from './support/find-audit-bucket-problems.js';
import { findDataStoreProblems } from './support/find-data-store-problems.js';
import { findHardCodedSecrets, type ScannedFile } from './support/find-hard-coded-secrets.js';
import { findLaunchTemplateProblems } from './support/find-launch-template-problems.js';
import { findLayoutProblems } from './support/find-layout-problems.js';
import { findModuleCallProblems } from './support/find-module-call-problems.js';
import { findOpenEgress } from './support/find-open-egress.js';
import { findOutputProblems } from './support/find-output-problems.js';
import { findPublicIngress } from './support/find-public-ingress.js';
import { findReadmeGaps } from './support/find-readme-gaps.js';
import { findScreenStreamFlows } from './support/find-screen-stream-flows.js';
import { findTfvarsProblems } from './support/find-tfvars-problems.js';
import { findVariableProblems } from './support/find-variable-problems.js';
import { findVersionProblems } from './support/find-version-problems.js';
import {
  findSettingsProblems,
  settingsGiven,
  type ServiceSettings,
} from './support/find-settings-problems.js';
import { loadTerraformTree, type TerraformTree } from './support/load-terraform-tree.js';
import { parseHcl } from './support/parse-hcl.js';
import { parseTerraformModule, type TerraformModule } from './support/parse-terraform-module.js';

import { BROKER_SETTINGS } from '#broker/config.js';
import { AGENT_SETTINGS } from '#agent/config.js';
import { PORTAL_SETTINGS } from '#workspace-app/config.js';

const TERRAFORM_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../terraform');
const ENVIRONMENT_MODULE_SOURCE = /^\.\.\/\.\.\/modules\/[a-z0-9-]+$/;

const EXPECTED_MODULES = [
  'modules/audit-archive',
  'modules/broker',
  'modules/data',
  'modules/desktop-pool',
  'modules/host-group',
  'modules/internal-ca',
  'modules/load-balancer',
  'modules/network',
  'modules/portal',
];

const VERSIONS_TF = `
terraform {
  required_version = "~> 1.9"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 6.0" }
  }
}
`;

const README_MD = `# control

## Inputs

| Name | Description |
|---|---|
| \`name\` | Name. |

## Outputs

| Name | Description |
|---|---|
| \`id\` | ID. |
`;

/** A small, well-formed module parsed from memory; each control spoils one file of it. */
function aModule(files: Record<string, string> = {}, name = 'modules/control'): Promise<TerraformModule> {
  return parseTerraformModule(name, path.join(TERRAFORM_ROOT, name), {
    'main.tf': 'resource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n',
    'variables.tf': 'variable "name" {\n  type        = string\n  description = "Name."\n}\n',
    'outputs.tf': 'output "id" {\n  description = "ID."\n  value       = aws_s3_bucket.this.id\n}\n',
    'versions.tf': VERSIONS_TF,
    'README.md': README_MD,
    ...files,
  });
}

async function aScannedFile(filePath: string, text: string): Promise<ScannedFile> {
  return { path: filePath, text, body: await parseHcl(filePath, text) };
}

describe('terraform', () => {
  let tree: TerraformTree;
  let everything: TerraformModule[];
  let modulesByDir: Map<string, TerraformModule>;

  const moduleNamed = (name: string): TerraformModule => {
    const found = everything.find((module) => module.name === name);
    assert.ok(found, `${name} exists`);
    return found;
  };

  before(async () => {
    tree = await loadTerraformTree(TERRAFORM_ROOT);
    everything = [...tree.modules, ...tree.environments];
    modulesByDir = new Map(tree.modules.map((module) => [module.dir, module]));
  });

  describe('parsing', () => {
    it('parses every .tf file and the example tfvars', () => {
      assert.deepEqual(
        everything.flatMap((module) => module.parseErrors),
        [],
      );
      const tfFilesOnDisk = tree.textFiles.filter((file) => file.path.endsWith('.tf'));
      const parsedTfFiles = everything.reduce((sum, module) => sum + module.files.length, 0);
      assert.equal(parsedTfFiles, tfFilesOnDisk.length, 'no .tf file lies outside a module or environment');
      assert.deepEqual(
        moduleNamed('environments/example').variableFiles.map((file) => file.fileName),
        ['terraform.tfvars.example'],
      );
    });

    it('reports a file that does not parse (control)', async () => {
      const broken = await aModule({ 'main.tf': 'resource "aws_s3_bucket" "this" {\n  bucket = \n' });
      assert.equal(broken.parseErrors.length, 1);
      assert.match(broken.parseErrors[0] ?? '', /modules\/control\/main\.tf/);
    });
  });

  describe('layout', () => {
    it('has the expected modules and the example environment', () => {
      assert.deepEqual(
        tree.modules.map((module) => module.name),
        EXPECTED_MODULES,
      );
      assert.deepEqual(
        tree.environments.map((module) => module.name),
        ['environments/example'],
      );
    });

    it('gives every module and environment main, variables, outputs and versions files and a README', () => {
      assert.deepEqual(everything.flatMap(findLayoutProblems), []);
    });

    it('notices a missing versions.tf or README (control)', async () => {
      const module = await aModule();
      const incomplete = { ...module, fileNames: module.fileNames.filter((file) => file !== 'versions.tf') };
      assert.deepEqual(findLayoutProblems(incomplete), ['modules/control: versions.tf is missing']);
      assert.deepEqual(findLayoutProblems(await aModule()), []);
    });
  });

  describe('variables and outputs', () => {
    it('types and describes every variable, and completes every validation', () => {
      assert.deepEqual(everything.flatMap(findVariableProblems), []);
    });

    it('flags an untyped, an undescribed and a half-validated variable (control)', async () => {
      const module = await aModule({
        'variables.tf': `
variable "name" {
  description = "Name."
}
variable "size" {
  type        = number
  description = "  "
}
variable "zone" {
  type        = string
  description = "Zone."
  validation {
    condition = length(var.zone) > 0
  }
}
`,
      });
      assert.deepEqual(findVariableProblems(module), [
        'modules/control: variable "name" has no type',
        'modules/control: variable "size" has no description',
        'modules/control: variable "zone" has a validation that lacks a condition or an error message',
      ]);
    });

    it('describes every output', () => {
      assert.deepEqual(everything.flatMap(findOutputProblems), []);
    });

    it('flags an undescribed output (control)', async () => {
      const module = await aModule({ 'outputs.tf': 'output "id" {\n  value = aws_s3_bucket.this.id\n}\n' });
      assert.deepEqual(findOutputProblems(module), ['modules/control: output "id" has no description']);
    });

    it('lists every input and output in each README', () => {
      assert.deepEqual(everything.flatMap(findReadmeGaps), []);
    });

    it('flags a README that forgets an input or lists an output under the wrong heading (control)', async () => {
      const module = await aModule({ 'README.md': '# control\n\n## Inputs\n\n`id`\n\n## Outputs\n\nnone\n' });
      assert.deepEqual(findReadmeGaps(module), [
        'modules/control: README.md Inputs does not list "name"',
        'modules/control: README.md Outputs does not list "id"',
      ]);
    });
  });

  describe('versions', () => {
    it('pins Terraform and every provider to a major version and declares every provider used', () => {
      assert.deepEqual(everything.flatMap(findVersionProblems), []);
    });

    it('flags an unpinned Terraform, an unpinned provider and an undeclared provider (control)', async () => {
      const module = await aModule({
        'main.tf': 'resource "random_id" "this" {\n  byte_length = 4\n}\n',
        'versions.tf': `
terraform {
  required_version = ">= 1.0"
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}
`,
      });
      assert.deepEqual(findVersionProblems(module), [
        'modules/control: required_version ">= 1.0" is not pinned to a major version',
        'modules/control: provider "aws" version ">= 5.0" is not pinned to a major version',
        'modules/control: random_id.this needs provider "random", which versions.tf does not declare',
      ]);
    });
  });

  describe('module calls', () => {
    it('points the example environment at ../../modules/<name>, passing declared and required variables', () => {
      const environment = moduleNamed('environments/example');
      assert.ok(environment.moduleCalls.size >= EXPECTED_MODULES.length - 1);
      assert.deepEqual(findModuleCallProblems(environment, modulesByDir, ENVIRONMENT_MODULE_SOURCE), []);
    });

    it('wires the modules that build on another module just as strictly', () => {
      assert.deepEqual(
        tree.modules.flatMap((module) => findModuleCallProblems(module, modulesByDir)),
        [],
      );
    });

    it('flags a missing module, a remote source, an unknown argument and a missing variable (control)', async () => {
      const widget = await aModule(
        {
          'variables.tf': `
variable "name" {
  type        = string
  description = "Required."
}
variable "size" {
  type        = number
  description = "Optional."
  default     = 1
}
`,
        },
        'modules/widget',
      );
      const environment = await aModule(
        {
          'main.tf': `
module "widget" {
  source = "../../modules/widget"
  size   = 2
  colour = "blue"
}
module "gadget" {
  source = "../../modules/gadget"
}
module "remote" {
  source = "git::https://example.com/widget.git"
}
`,
        },
        'environments/control',
      );
      const known = new Map([[widget.dir, widget]]);
      assert.deepEqual(findModuleCallProblems(environment, known, ENVIRONMENT_MODULE_SOURCE), [
        'environments/control: module "gadget" points at "../../modules/gadget", which is no module of this tree',
        `environments/control: module "remote" has source "git::https://example.com/widget.git", expected the form ${String(ENVIRONMENT_MODULE_SOURCE)}`,
        'environments/control: module "remote" points at "git::https://example.com/widget.git", which is no module of this tree',
        'environments/control: module "widget" passes "colour", which modules/widget does not declare',
        'environments/control: module "widget" does not pass "name", which modules/widget requires',
      ]);
    });
  });

  describe('example tfvars', () => {
    it('sets every required variable of the example environment in terraform.tfvars.example, and nothing else', () => {
      assert.deepEqual(findTfvarsProblems(moduleNamed('environments/example')), []);
    });

    it('flags a tfvars file that misses a required variable or sets an unknown one (control)', async () => {
      const environment = await aModule(
        { 'terraform.tfvars.example': 'colour = "blue"\n' },
        'environments/control',
      );
      assert.deepEqual(findTfvarsProblems(environment), [
        'environments/control/terraform.tfvars.example sets "colour", which is not declared',
        'environments/control/terraform.tfvars.example does not set required "name"',
      ]);
    });
  });

  describe('secrets', () => {
    it('writes no secret into any Terraform file, template, README or tfvars example', () => {
      const parsed = new Map(
        everything.flatMap((module) =>
          [...module.files, ...module.variableFiles].map((file) => [
            path.relative(TERRAFORM_ROOT, path.join(module.dir, file.fileName)),
            file.body,
          ]),
        ),
      );
      const scanned = tree.textFiles.map((file) => ({ ...file, body: parsed.get(file.path) }));
      const parsedCount = everything.reduce(
        (sum, module) => sum + module.files.length + module.variableFiles.length,
        0,
      );
      assert.equal(
        scanned.filter((file) => file.body).length,
        parsedCount,
        'every parsed file is scanned as HCL too',
      );
      assert.deepEqual(findHardCodedSecrets(scanned), []);
    });

    it('flags literal passwords, tokens and secret strings, secret defaults and tfvars (control)', async () => {
      const files = [
        await aScannedFile(
          'main.tf',
          `
resource "aws_db_instance" "this" {
  password = "correct-horse-battery"
}
resource "aws_elasticache_replication_group" "this" {
  auth_token = "prefix-\${random_password.x.result}"
}
resource "aws_secretsmanager_secret_version" "this" {
  secret_string = jsonencode({ api_key = "abc123" })
}
locals {
  settings = { signing_key = "0123456789abcdef" }
}
variable "db_password" {
  type        = string
  description = "Do not do this."
  default     = "hunter22"
}
`,
        ),
        await aScannedFile('terraform.tfvars', 'master_password = "hunter22"\n'),
      ];
      assert.deepEqual(findHardCodedSecrets(files), [
        'main.tf: locals[0].settings.signing_key holds a literal value',
        'main.tf: resource.aws_db_instance.this[0].password holds a literal value',
        'main.tf: resource.aws_elasticache_replication_group.this[0].auth_token holds a literal value',
        'main.tf: resource.aws_secretsmanager_secret_version.this[0].secret_string writes api_key as a literal',
        'main.tf: variable "db_password" has a literal default',
        'terraform.tfvars: master_password holds a literal value',
      ]);
    });

    it('flags PEM blocks and AWS access keys anywhere, comments and templates included (control)', async () => {
      const files: ScannedFile[] = [
        { path: 'templates/boot.sh.tftpl', text: 'cat <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nEOF\n' },
        await aScannedFile('main.tf', '# AKIAIOSFODNN7EXAMPLE\nlocals {\n  a = 1\n}\n'),
      ];
      assert.deepEqual(findHardCodedSecrets(files), [
        'templates/boot.sh.tftpl: contains a PEM block',
        'main.tf: contains an AWS access key ID',
      ]);
    });

    it('accepts references to secrets and names that only point at them (control)', async () => {
      const file = await aScannedFile(
        'main.tf',
        `
resource "aws_elasticache_replication_group" "this" {
  auth_token                 = aws_secretsmanager_secret_version.token.secret_string
  auth_token_update_strategy = "ROTATE"
  kms_key_id                 = "alias/aws/elasticache"
}
resource "aws_launch_template" "this" {
  metadata_options {
    http_tokens = "required"
  }
}
variable "redis_auth_token_secret_arn" {
  type        = string
  description = "Reference."
  default     = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:x"
}
`,
      );
      assert.deepEqual(findHardCodedSecrets([file]), []);
    });
  });

  describe('network', () => {
    it('carries no screen between hosts: into the desktops only guacd (TLS) and the agent (mutual TLS)', () => {
      assert.deepEqual(findScreenStreamFlows(moduleNamed('modules/network')), []);
    });

    it('flags a flow to the desktops’ VNC, and a rule admitting a VNC port (control)', async () => {
      const module = await aModule({
        'main.tf': `
locals {
  flows = {
    "guacd-to-desktop-vnc" = { from = "guacd", to = "desktops", port = var.vnc_port_range.from }
    "broker-to-desktop-display" = { from = "broker", to = "desktops", port = 5901 }
    "broker-to-desktop-agent" = { from = "broker", to = "desktops", port = var.desktop_agent_port }
  }
}
resource "aws_vpc_security_group_ingress_rule" "vnc" {
  security_group_id = aws_security_group.desktops.id
  from_port         = 5900
  to_port           = 5999
  ip_protocol       = "tcp"
}
`,
      });
      assert.deepEqual(findScreenStreamFlows(module).sort(), [
        'modules/control: aws_vpc_security_group_ingress_rule.vnc admits a VNC port',
        'modules/control: flow broker-to-desktop-display carries VNC between hosts',
        'modules/control: flow broker-to-desktop-display reaches the desktops on 5901',
        'modules/control: flow guacd-to-desktop-vnc carries VNC between hosts',
        'modules/control: flow guacd-to-desktop-vnc reaches the desktops on "${var.vnc_port_range.from}"',
      ]);
    });

    it('gives the desktops no egress to 0.0.0.0/0 or ::/0', () => {
      assert.deepEqual(findOpenEgress(moduleNamed('modules/network'), 'desktops'), []);
    });

    it('flags open desktop egress inline, as a rule, and from a rule of unknown group (control)', async () => {
      const module = await aModule({
        'main.tf': `
resource "aws_security_group" "desktops" {
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_vpc_security_group_egress_rule" "desktops_out" {
  security_group_id = aws_security_group.desktops.id
  cidr_ipv6         = "::/0"
  ip_protocol       = "-1"
}
resource "aws_vpc_security_group_egress_rule" "computed" {
  security_group_id = aws_security_group.desktops.id
  cidr_ipv4         = var.anywhere
  ip_protocol       = "-1"
}
resource "aws_vpc_security_group_egress_rule" "by_map" {
  for_each          = local.groups
  security_group_id = each.value
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}
resource "aws_security_group_rule" "legacy" {
  type              = "egress"
  security_group_id = aws_security_group.desktops.id
  cidr_blocks       = ["0.0.0.0/0"]
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
}
`,
      });
      assert.deepEqual(findOpenEgress(module, 'desktops'), [
        'modules/control: aws_security_group.desktops egress allows egress to 0.0.0.0/0',
        'modules/control: aws_security_group_rule.legacy (this group) allows egress to 0.0.0.0/0',
        'modules/control: aws_vpc_security_group_egress_rule.by_map (unknown group) allows egress to 0.0.0.0/0',
        'modules/control: aws_vpc_security_group_egress_rule.computed (this group) allows egress to a computed range ("${var.anywhere}"), which cannot be checked',
        'modules/control: aws_vpc_security_group_egress_rule.desktops_out (this group) allows egress to ::/0',
      ]);
    });

    it('leaves open egress of another group alone and insists the desktop group exists (control)', async () => {
      const module = await aModule({
        'main.tf': `
resource "aws_security_group" "desktops" {
  name = "desktops"
}
resource "aws_security_group" "nat_instance" {
  name = "nat"
}
resource "aws_vpc_security_group_egress_rule" "nat_out" {
  security_group_id = aws_security_group.nat_instance.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}
`,
      });
      assert.deepEqual(findOpenEgress(module, 'desktops'), []);
      assert.deepEqual(findOpenEgress(module, 'kiosks'), ['modules/control: no aws_security_group "kiosks"']);
    });

    it('lets address ranges in only at the public load balancer', () => {
      assert.deepEqual(findPublicIngress(moduleNamed('modules/network'), 'lb'), []);
    });

    it('flags a range admitted into any other group (control)', async () => {
      const module = await aModule({
        'main.tf': `
resource "aws_security_group" "lb" {
  name = "lb"
}
resource "aws_vpc_security_group_ingress_rule" "lb_https" {
  security_group_id = aws_security_group.lb.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
}
resource "aws_vpc_security_group_ingress_rule" "vnc_from_office" {
  security_group_id = aws_security_group.desktops.id
  cidr_ipv4         = "192.0.2.0/24"
  ip_protocol       = "tcp"
}
resource "aws_security_group" "postgresql" {
  ingress {
    cidr_blocks = ["10.0.0.0/8"]
  }
}
`,
      });
      assert.deepEqual(findPublicIngress(module, 'lb'), [
        'modules/control: aws_security_group.postgresql admits traffic from address ranges',
        'modules/control: aws_vpc_security_group_ingress_rule.vnc_from_office admits traffic from address ranges into a group other than lb',
      ]);
    });
  });

  describe('audit archive', () => {
    it('enables object lock in compliance mode, with versioning, encryption and no public access', () => {
      assert.deepEqual(findAuditBucketProblems(moduleNamed('modules/audit-archive')), []);
    });

    it('flags a bucket without object lock, a governance-mode lock and missing guards (control)', async () => {
      const unlocked = await aModule();
      assert.deepEqual(findAuditBucketProblems(unlocked), [
        'modules/control: aws_s3_bucket.this does not enable object lock',
        'modules/control: aws_s3_bucket.this has no default object lock retention',
        'modules/control: aws_s3_bucket.this does not enable versioning',
        'modules/control: aws_s3_bucket.this has no default encryption',
        'modules/control: aws_s3_bucket.this does not block all public access',
      ]);
      const governance = await aModule({
        'main.tf': `
resource "aws_s3_bucket" "this" {
  bucket              = var.name
  object_lock_enabled = true
}
resource "aws_s3_bucket_object_lock_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    default_retention {
      mode = "GOVERNANCE"
      days = 30
    }
  }
}
`,
      });
      assert.ok(
        findAuditBucketProblems(governance).includes(
          'modules/control: aws_s3_bucket.this locks objects in "GOVERNANCE" mode, not COMPLIANCE',
        ),
      );
    });
  });

  describe('hosts', () => {
    it('requires IMDSv2, rules out public IPs and encrypts volumes on every launch template', () => {
      const templates = everything.flatMap((module) =>
        module.resources.filter((resource) => resource.type === 'aws_launch_template'),
      );
      assert.equal(templates.length, 2, 'the host group and the desktop pool');
      assert.deepEqual(everything.flatMap(findLaunchTemplateProblems), []);
    });

    it('flags a launch template with a public IP, IMDSv1 and an unencrypted volume (control)', async () => {
      const module = await aModule({
        'main.tf': `
resource "aws_launch_template" "this" {
  metadata_options {
    http_tokens = "optional"
  }
  network_interfaces {
    associate_public_ip_address = true
  }
  block_device_mappings {
    ebs {
      volume_size = 40
    }
  }
}
`,
      });
      assert.deepEqual(findLaunchTemplateProblems(module), [
        'modules/control: aws_launch_template.this does not require IMDSv2 (metadata_options.http_tokens = "required")',
        'modules/control: aws_launch_template.this does not rule out public IP addresses on every network interface',
        'modules/control: aws_launch_template.this leaves a volume unencrypted (or relies on the account default)',
      ]);
    });
  });

  describe('data stores', () => {
    it('encrypts, protects and backs up PostgreSQL and guards Redis with TLS and a generated AUTH token', () => {
      const data = moduleNamed('modules/data');
      assert.equal(data.resources.filter((resource) => resource.type === 'aws_db_instance').length, 1);
      assert.deepEqual(findDataStoreProblems(data), []);
    });

    it('flags an unencrypted, unprotected database with a literal password and a bare Redis (control)', async () => {
      const module = await aModule({
        'variables.tf': `
variable "deletion_protection" {
  type        = bool
  description = "Off by default: wrong."
  default     = false
}
`,
        'main.tf': `
resource "aws_db_instance" "this" {
  password            = "hunter22"
  multi_az            = true
  deletion_protection = var.deletion_protection
}
resource "aws_elasticache_replication_group" "this" {
  transit_encryption_enabled = false
}
`,
      });
      assert.deepEqual(findDataStoreProblems(module), [
        'modules/control: aws_db_instance.this is not encrypted at rest',
        'modules/control: aws_db_instance.this is not protected from deletion by default',
        'modules/control: aws_db_instance.this keeps no automated backups by default',
        'modules/control: aws_db_instance.this does not let multi_az be chosen per environment',
        'modules/control: aws_db_instance.this has a literal password',
        'modules/control: aws_elasticache_replication_group.this is not encrypted at rest',
        'modules/control: aws_elasticache_replication_group.this does not require TLS',
        'modules/control: aws_elasticache_replication_group.this has no AUTH token taken from elsewhere',
      ]);
    });
  });

  describe('service settings', () => {
    const services = (): ServiceSettings[] => {
      const example = moduleNamed('environments/example');
      return [
        {
          service: 'the broker',
          module: moduleNamed('modules/broker'),
          environmentCall: { environment: example, call: 'broker' },
          known: BROKER_SETTINGS,
        },
        {
          service: 'the portal',
          module: moduleNamed('modules/portal'),
          environmentCall: { environment: example, call: 'portal' },
          known: PORTAL_SETTINGS,
        },
        {
          service: 'the desktop agent',
          module: moduleNamed('modules/desktop-pool'),
          template: readFileSync(
            path.join(TERRAFORM_ROOT, 'modules/desktop-pool/templates/user-data.sh.tftpl'),
            'utf8',
          ),
          known: AGENT_SETTINGS,
        },
      ];
    };

    it('gives each service only settings its config.ts reads, and every setting it requires', () => {
      for (const service of services()) assert.deepEqual(findSettingsProblems(service), [], service.service);
    });

    it('asks the operator only for what Terraform cannot give: credentials, the IdP, shared keys, the pools', () => {
      const [broker] = services();
      const { given, operator } = settingsGiven(broker!);
      assert.deepEqual(
        operator.filter((name) => given.has(name)),
        [],
        'a setting is given by Terraform or by the operator, not both',
      );
      assert.ok(operator.includes('BROKER_DATABASE_URL') && operator.includes('POOLS'));
      assert.equal(given.get('BROKER_SESSION_SECRET'), 'modules/broker (generated_secrets)');
    });

    it('copies the audit archive each service writes to the object-lock bucket, which admits both as writers', () => {
      for (const name of ['modules/broker', 'modules/portal']) {
        const hosts = moduleNamed(name).moduleCalls.get('hosts')!;
        const upload = JSON.stringify(hosts['audit_archive_upload'] ?? null);
        const archiveDir = /AUDIT_ARCHIVE_DIR\s*=\s*"([^"]+)"/.exec(String(hosts['environment']))?.[1];
        assert.ok(archiveDir, `${name} gives its service an AUDIT_ARCHIVE_DIR`);
        assert.ok(upload.includes(`"dir":"${archiveDir}"`), `${name} uploads ${archiveDir}: ${upload}`);
      }
      const writers = String(
        moduleNamed('environments/example').moduleCalls.get('audit_archive')!['writer_role_arns'],
      );
      assert.match(writers, /module\.broker\.role_arn/);
      assert.match(writers, /module\.portal\.role_arn/);
      const template = readFileSync(
        path.join(TERRAFORM_ROOT, 'modules/host-group/templates/user-data.sh.tftpl'),
        'utf8',
      );
      assert.match(template, /aws s3 cp .*--checksum-algorithm SHA256/, 'object lock requires a checksum');
      assert.match(template, /OnUnitActiveSec=5min/);
    });

    it('flags a setting the service does not read and a required one nothing gives (control)', async () => {
      const module = await aModule({
        'main.tf': `
locals {
  config_secret_settings = ["BROKER_DATABASE_URL", "REDIS_PASSWORD"]
}
module "hosts" {
  source      = "../host-group"
  environment = merge({
    BROKER_HOST = "0.0.0.0"
    REDIS_HOST  = "redis.internal"
  }, var.environment)
}
`,
      });
      const problems = findSettingsProblems({
        service: 'the broker',
        module,
        known: [
          { name: 'BROKER_HOST', isRequired: false },
          { name: 'BROKER_DATABASE_URL', isRequired: true },
          { name: 'BROKER_TUNNEL_KEY', isRequired: true },
        ],
      });
      assert.deepEqual(problems, [
        'modules/control (environment) gives the broker REDIS_HOST, which its config.ts does not read',
        'modules/control asks the operator for REDIS_PASSWORD, which the broker does not read',
        'the broker requires BROKER_TUNNEL_KEY, which nothing in Terraform gives',
      ]);
    });
  });
});
