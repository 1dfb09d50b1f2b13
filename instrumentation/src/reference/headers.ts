/** Reading headers from Node (`IncomingHttpHeaders`), plain objects of any case, or fetch `Headers`. */

export type HeaderBag =
  | Readonly<Record<string, string | readonly string[] | number | undefined>>
  | { get(name: string): string | null };

/** The header's value, `undefined` when absent; repeated values are joined with `, ` as Node does. */
export function getHeader(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const v = (headers as { get(n: string): string | null }).get(lower);
    return v ?? undefined;
  }
  const bag = headers as Record<string, string | readonly string[] | number | undefined>;
  let value = bag[lower];
  if (value === undefined) {
    for (const key of Object.keys(bag)) {
      if (key.toLowerCase() === lower) {
        value = bag[key];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}
