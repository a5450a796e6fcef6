import {
  CreateHandoffResponse,
  HANDOFF_PATH,
  signRequest,
  type CreateHandoffRequest,
  type Practitioner,
} from '@hcw/common';

/** Registers a one-time portal sign-in for a practitioner; the URL goes to the desktop, never to the device. */
export class PortalHandoffClient {
  constructor(
    private readonly internalUrl: string,
    private readonly secret: string,
  ) {}

  async createHandoff(practitioner: Practitioner): Promise<CreateHandoffResponse> {
    const body = JSON.stringify({ practitioner } satisfies CreateHandoffRequest);
    const response = await fetch(`${this.internalUrl}${HANDOFF_PATH}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        ...signRequest(this.secret, 'POST', HANDOFF_PATH, body),
      },
      signal: AbortSignal.timeout(10000),
    });
    if (response.status !== 201) throw new Error(`portal refused the hand-off (${response.status})`);
    return CreateHandoffResponse.parse(await response.json());
  }
}
