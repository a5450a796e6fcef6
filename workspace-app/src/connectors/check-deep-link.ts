import { VendorPayloadError } from './vendor-payload-error.js';

/**
 * A deep link opens in the kiosk browser with the practitioner's trust in the timeline behind it. One that
 * leaves the vendor's own web app is refused with the whole payload: a forged or compromised payload must
 * not lead anyone to a look-alike login page.
 */
export function checkDeepLink(vendor: string, link: string, webAppOrigin: string): string {
  let url: URL;
  try {
    url = new URL(link);
  } catch (error) {
    throw new VendorPayloadError(vendor, 'malformed', 'deep link is not a URL', { cause: error });
  }
  if (url.origin !== new URL(webAppOrigin).origin) {
    throw new VendorPayloadError(vendor, 'malformed', 'deep link outside the vendor web app');
  }
  return url.href;
}
