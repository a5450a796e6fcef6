import type { TerraformModule } from './parse-terraform-module.js';

const REQUIRED_FILES = ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md'];

/** Every module and environment keeps the same four Terraform files and a README. */
export function findLayoutProblems(module: TerraformModule): string[] {
  return REQUIRED_FILES.filter((file) => !module.fileNames.includes(file)).map(
    (file) => `${module.name}: ${file} is missing`,
  );
}
