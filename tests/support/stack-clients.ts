import { readFileSync } from 'node:fs';
import { createClient, type RedisClientType } from 'redis';
import { redisClientOptions } from '@hcw/common';
import { AgentClient } from '#broker/desktops/agent-client.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

/** The desktop agents of a running workspace, called as its broker calls them: mutual TLS, its certificate. */
export function agentsOf(stack: WorkspaceStack, timeoutMs = 10000): AgentClient {
  return new AgentClient(
    {
      ca: stack.internalCa.pem,
      cert: readFileSync(stack.brokerCertificate.certFile, 'utf8'),
      key: readFileSync(stack.brokerCertificate.keyFile, 'utf8'),
    },
    timeoutMs,
  );
}

/** A client of the workspace's Redis as its administrator (TLS, verified against the internal CA); not connected. */
export function redisOf(stack: WorkspaceStack): RedisClientType {
  return createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem)) as RedisClientType;
}
