import { asBody, blocksOf, variableReference, type HclValue } from './parse-hcl.js';
import type { TerraformModule } from './parse-terraform-module.js';

/** What a host outside the desktops may reach on a desktop host: the guacd beside it and its agent. */
const DESKTOP_PORTS = new Set(['guacd_port', 'desktop_agent_port']);
const VNC_PORTS = { from: 5900, to: 5999 };

const isVncPort = (value: HclValue | undefined): boolean =>
  typeof value === 'number' && value >= VNC_PORTS.from && value <= VNC_PORTS.to;

/**
 * The screen stream never crosses the network (docs/decisions/0022): every flow of the network module into
 * the desktops is to the guacd beside them (TLS) or to their agent (mutual TLS), each named by its variable,
 * and no rule of the module admits a VNC port (5900-5999) at all.
 */
export function findScreenStreamFlows(module: TerraformModule): string[] {
  const problems: string[] = [];
  const flows = module.files
    .flatMap((file) => blocksOf(file.body, 'locals'))
    .map((locals) => asBody(locals['flows']))
    .find((found) => found !== undefined);
  if (!flows) return [`${module.name}: no flows in its locals`];
  for (const [name, value] of Object.entries(flows)) {
    const flow = asBody(value);
    if (!flow) continue;
    const ports = [flow['port'], flow['to_port']].filter((port) => port !== undefined);
    if (ports.some(isVncPort) || ports.some((port) => String(port).includes('vnc'))) {
      problems.push(`${module.name}: flow ${name} carries VNC between hosts`);
    }
    if (flow['to'] !== 'desktops') continue;
    for (const port of ports) {
      const variable = variableReference(port);
      if (!variable || !DESKTOP_PORTS.has(variable)) {
        problems.push(`${module.name}: flow ${name} reaches the desktops on ${JSON.stringify(port)}`);
      }
    }
  }
  for (const resource of module.resources) {
    if (!/security_group_(ingress_)?rule$/.test(resource.type)) continue;
    if (isVncPort(resource.body['from_port']) || isVncPort(resource.body['to_port'])) {
      problems.push(`${module.name}: ${resource.type}.${resource.name} admits a VNC port`);
    }
  }
  return problems;
}
