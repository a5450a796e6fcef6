/** `path` below the vendor's base URL, keeping any path prefix the base has (`https://host/mcs/`). */
export function vendorUrl(
  baseUrl: string,
  path: string,
  query: Record<string, string | undefined> = {},
): URL {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const url = new URL(path.replace(/^\/+/, ''), base);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
  return url;
}
