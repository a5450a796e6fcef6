import { asBody, labelledBlocks, literalPart, type HclBody, type HclValue } from './parse-hcl.js';

export interface ScannedFile {
  path: string;
  text: string;
  /** The parsed HCL, when the file is HCL. */
  body?: HclBody;
}

// Names that hold a secret: `password`, `master_password`, `auth_token`, `secret_string`, `api_key`, ...
// Names that merely point at one (`secret_arn`, `kms_key_id`, `auth_token_update_strategy`) do not end so.
const SECRET_NAME = /(^|_)(password|passwd|secret|token|secret_string|secret_binary)(_wo)?$|.+_key$/i;

// `name = "text"` inside an expression, e.g. `jsonencode({ password = "..." })`.
const ASSIGNED_LITERAL = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"$%]*)"/g;

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;
const AWS_ACCESS_KEY_ID = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/;

/** A string with text of its own, not only references and function calls. */
function isLiteral(value: HclValue | undefined): value is string {
  return typeof value === 'string' && literalPart(value).trim() !== '';
}

function scanValue(value: HclValue, trail: string, report: (problem: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => scanValue(item, `${trail}[${index}]`, report));
    return;
  }
  const body = asBody(value);
  if (!body) return;
  for (const [key, inner] of Object.entries(body)) {
    const innerTrail = trail ? `${trail}.${key}` : key;
    if (SECRET_NAME.test(key) && isLiteral(inner)) report(`${innerTrail} holds a literal value`);
    if (typeof inner === 'string' && inner !== literalPart(inner)) {
      for (const [, name = '', text = ''] of inner.matchAll(ASSIGNED_LITERAL)) {
        if (SECRET_NAME.test(name) && text.trim() !== '') report(`${innerTrail} writes ${name} as a literal`);
      }
    }
    scanValue(inner, innerTrail, report);
  }
}

/**
 * Secrets written into the configuration: attributes, locals, tfvars and variable defaults named like a
 * secret that hold literal text; and, anywhere in any file, PEM blocks and AWS access key IDs.
 */
export function findHardCodedSecrets(files: readonly ScannedFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const report = (problem: string): void => {
      problems.push(`${file.path}: ${problem}`);
    };
    if (PEM_BLOCK.test(file.text)) report('contains a PEM block');
    if (AWS_ACCESS_KEY_ID.test(file.text)) report('contains an AWS access key ID');
    if (!file.body) continue;
    scanValue(file.body, '', report);
    for (const [[name = ''], declaration] of labelledBlocks(file.body, 'variable', 1)) {
      if (SECRET_NAME.test(name) && isLiteral(declaration['default'])) {
        report(`variable "${name}" has a literal default`);
      }
    }
  }
  return problems;
}
