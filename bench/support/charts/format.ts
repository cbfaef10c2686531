/** Numbers as the charts print them next to bars: the unit spelled out, precision a reader needs. */

export const formatCount = (value: number): string => Math.round(value).toLocaleString('en-US');

/** Milliseconds below a second, seconds with one decimal above: "64 ms", "77.1 s". */
export const formatMilliseconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** Bytes in the largest binary unit that keeps the number at or above one: "312 B", "22.6 KiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
