import { Cookies } from './http-sign-in.js';

/** A form on a page: where it posts and its fields with their values (hidden ones included). */
export interface PageForm {
  action: string;
  fields: Record<string, string>;
}

function unescapeHtml(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#039;', "'")
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag);
  return match ? unescapeHtml(match[1]!) : undefined;
}

/** The first POST form of an HTML page, with its action resolved against the page's address. */
export function postForm(html: string, pageUrl: string): PageForm | undefined {
  const start = html.search(/<form\b[^>]*method\s*=\s*"post"/i);
  if (start < 0) return undefined;
  const end = html.indexOf('</form>', start);
  const form = html.slice(start, end < 0 ? undefined : end);
  const tag = /<form\b[^>]*>/i.exec(form)![0];
  const fields: Record<string, string> = {};
  for (const input of form.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, 'name');
    if (name) fields[name] = attribute(input, 'value') ?? '';
  }
  return { action: new URL(attribute(tag, 'action') ?? '', pageUrl).toString(), fields };
}

/**
 * What a browser does for a SAML sign-in, without one: a cookie jar per origin, redirects followed one by
 * one (each hop can be looked at), forms read and posted. Enough for an IdP and a broker on two origins.
 */
export class HttpAgent {
  private readonly jars = new Map<string, Cookies>();

  jar(url: string): Cookies {
    const origin = new URL(url).origin;
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Cookies()));
    return jar;
  }

  async get(url: string): Promise<Response> {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: this.jar(url).header() } });
    this.jar(url).take(response);
    return response;
  }

  async post(url: string, fields: Record<string, string>): Promise<Response> {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.jar(url).header() },
      body: new URLSearchParams(fields),
    });
    this.jar(url).take(response);
    return response;
  }

  /** Follows redirects from a response until a page; returns it with its address. */
  async follow(response: Response, from: string): Promise<{ response: Response; url: string }> {
    let current = response;
    let url = from;
    for (let hops = 0; current.status >= 300 && current.status < 400; hops++) {
      if (hops > 20) throw new Error(`too many redirects from ${from}`);
      url = new URL(current.headers.get('location') ?? '', url).toString();
      current = await this.get(url);
    }
    return { response: current, url };
  }

  /** Opens an address and follows its redirects to a page. */
  async open(url: string): Promise<{ response: Response; url: string; html: string }> {
    const { response, url: at } = await this.follow(await this.get(url), url);
    return { response, url: at, html: await response.text() };
  }
}
