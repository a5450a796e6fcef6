export type DeviceType = 'phone' | 'tablet' | 'pc';

/**
 * What kind of device a session comes from, told from its User-Agent: enough for an administrator to see
 * who works from phones. A tablet that claims to be a desktop browser (iPadOS does) counts as a PC.
 */
export function deviceType(userAgent: string | undefined): DeviceType {
  const ua = userAgent ?? '';
  if (/iPad|Tablet|PlayBook|Silk|Kindle/i.test(ua)) return 'tablet';
  if (/Android/i.test(ua)) return /Mobile/i.test(ua) ? 'phone' : 'tablet';
  if (/iPhone|iPod|Windows Phone|Mobile|BlackBerry|Opera Mini/i.test(ua)) return 'phone';
  return 'pc';
}
