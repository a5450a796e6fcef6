import https from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import {
  AgentHealth,
  DesktopScreen,
  desktopIdentity,
  SCREEN_PATH,
  StartSessionResponse,
  TYPE_TEXT_PATH,
  uriNamesOf,
  type StartSessionRequest,
} from '@hcw/common';
import type { z } from 'zod';

export class AgentError extends Error {
  /** The agent's HTTP status when it answered with a refusal; undefined when it could not be reached. */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Which desktop the broker means, and where its agent answers (`https:`). */
export interface AgentAddress {
  id: string;
  agentUrl: string;
}

/** PEM: the internal CA the agents' certificates come from, and the broker's own client certificate and key. */
export interface AgentTls {
  ca: string;
  cert: string;
  key: string;
}

const MAX_ANSWER_BYTES = 256 * 1024;

/**
 * Talks to desktop agents over mutual TLS. The broker shows its own certificate (the agents answer nobody
 * else), and accepts an agent only if its certificate comes from the internal CA, is valid for the address
 * called, and names the desktop the broker means: an agent at a reused address, or a desktop host holding
 * another desktop's certificate, is not taken for the desktop intended.
 */
export class AgentClient {
  constructor(
    private readonly tls: AgentTls,
    private readonly timeoutMs = 10000,
  ) {}

  health(desktop: AgentAddress): Promise<AgentHealth> {
    return this.call(desktop, 'GET', '/v1/health', undefined, AgentHealth);
  }

  /** A session start waits for the watermark and the kiosk's first window: it is given longer. */
  startSession(desktop: AgentAddress, request: StartSessionRequest): Promise<StartSessionResponse> {
    return this.call(desktop, 'POST', '/v1/sessions', request, StartSessionResponse, 3 * this.timeoutMs);
  }

  /** The running session's screen takes this size and scale; answers with the screen the desktop has. */
  setScreen(desktop: AgentAddress, screen: DesktopScreen): Promise<DesktopScreen> {
    return this.call(desktop, 'PUT', SCREEN_PATH, screen, DesktopScreen);
  }

  async endSession(desktop: AgentAddress): Promise<void> {
    await this.call(desktop, 'DELETE', '/v1/sessions/current', undefined, undefined);
  }

  /** Types text into the kiosk's focused field (see broker/src/input/desktop-text.ts). */
  async typeText(desktop: AgentAddress, text: string, timeoutMs = 15000): Promise<void> {
    await this.call(desktop, 'POST', TYPE_TEXT_PATH, { text }, undefined, timeoutMs);
  }

  private async call<T>(
    desktop: AgentAddress,
    method: string,
    path: string,
    body: unknown,
    schema: z.ZodType<T> | undefined,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const answer = await this.request(desktop, method, path, text, timeoutMs);
    if (answer.status < 200 || answer.status > 299) {
      throw new AgentError(`desktop agent answered ${answer.status}`, answer.status);
    }
    if (!schema) return undefined as T;
    let value: unknown;
    try {
      value = JSON.parse(answer.body);
    } catch {
      throw new AgentError('desktop agent answered something unexpected');
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new AgentError('desktop agent answered something unexpected');
    return parsed.data;
  }

  private request(
    desktop: AgentAddress,
    method: string,
    path: string,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number; body: string }> {
    const url = new URL(path, desktop.agentUrl);
    if (url.protocol !== 'https:') {
      return Promise.reject(new AgentError(`desktop agent unreachable: ${desktop.id} has no https address`));
    }
    const expected = desktopIdentity(desktop.id);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: this.tls.ca,
          cert: this.tls.cert,
          key: this.tls.key,
          minVersion: 'TLSv1.2',
          // No pooled connections: each call is verified for the desktop it is meant for.
          agent: false,
          checkServerIdentity: (host: string, certificate: PeerCertificate) =>
            checkServerIdentity(host, certificate) ??
            (uriNamesOf(certificate.raw).includes(expected)
              ? undefined
              : new Error(`the agent's certificate does not name desktop ${desktop.id}`)),
          headers: {
            'content-type': 'application/json',
            ...(body ? { 'content-length': Buffer.byteLength(body) } : {}),
          },
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) {
              req.destroy(new Error('answer too large'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (error) => reject(new AgentError(`desktop agent unreachable: ${error.message}`)));
        },
      );
      req.on('error', (error) => reject(new AgentError(`desktop agent unreachable: ${error.message}`)));
      req.end(body || undefined);
    });
  }
}
