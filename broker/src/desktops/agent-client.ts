import {
  AgentHealth,
  DesktopScreen,
  SCREEN_PATH,
  signRequest,
  StartSessionResponse,
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

/** Talks to a desktop agent with signed requests. */
export class AgentClient {
  constructor(
    private readonly secret: string,
    private readonly timeoutMs = 10000,
  ) {}

  health(agentUrl: string): Promise<AgentHealth> {
    return this.call(agentUrl, 'GET', '/v1/health', undefined, AgentHealth);
  }

  /** A session start waits for the watermark and the kiosk's first window: it is given longer. */
  startSession(agentUrl: string, request: StartSessionRequest): Promise<StartSessionResponse> {
    return this.call(agentUrl, 'POST', '/v1/sessions', request, StartSessionResponse, 3 * this.timeoutMs);
  }

  /** The running session's screen takes this size and scale; answers with the screen the desktop has. */
  setScreen(agentUrl: string, screen: DesktopScreen): Promise<DesktopScreen> {
    return this.call(agentUrl, 'PUT', SCREEN_PATH, screen, DesktopScreen);
  }

  async endSession(agentUrl: string): Promise<void> {
    await this.call(agentUrl, 'DELETE', '/v1/sessions/current', undefined, undefined);
  }

  private async call<T>(
    agentUrl: string,
    method: string,
    path: string,
    body: unknown,
    schema: z.ZodType<T> | undefined,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const text = body === undefined ? '' : JSON.stringify(body);
    let response: Response;
    try {
      response = await fetch(new URL(path, agentUrl), {
        method,
        body: text || undefined,
        headers: { 'content-type': 'application/json', ...signRequest(this.secret, method, path, text) },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new AgentError(`desktop agent unreachable: ${(error as Error).message}`);
    }
    if (!response.ok) throw new AgentError(`desktop agent answered ${response.status}`, response.status);
    if (!schema) return undefined as T;
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) throw new AgentError('desktop agent answered something unexpected');
    return parsed.data;
  }
}
