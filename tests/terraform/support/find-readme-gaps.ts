import type { TerraformModule } from './parse-terraform-module.js';

/** The text under a Markdown heading, up to the next heading of the same or a higher level. */
function section(readme: string, heading: string): string | undefined {
  const lines = readme.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^#+ ${heading}\\s*$`).test(line));
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start] ?? '')?.[0].length ?? 1;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => {
    const hashes = /^(#+) /.exec(line)?.[1];
    return hashes !== undefined && hashes.length <= level;
  });
  return (end < 0 ? rest : rest.slice(0, end)).join('\n');
}

/** The README lists every variable under "Inputs" and every output under "Outputs", in backticks. */
export function findReadmeGaps(module: TerraformModule): string[] {
  const readme = module.readme;
  if (readme === undefined) return [`${module.name}: README.md is missing`];
  const problems: string[] = [];
  const expected: Array<[string, Iterable<string>]> = [
    ['Inputs', module.variables.keys()],
    ['Outputs', module.outputs.keys()],
  ];
  for (const [heading, names] of expected) {
    const text = section(readme, heading);
    if (text === undefined) {
      problems.push(`${module.name}: README.md has no "${heading}" section`);
      continue;
    }
    for (const name of names) {
      if (!text.includes(`\`${name}\``)) {
        problems.push(`${module.name}: README.md ${heading} does not list "${name}"`);
      }
    }
  }
  return problems;
}
