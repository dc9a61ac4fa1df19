/** Time helpers: a fixed epoch for seed data, and Kubernetes timestamp formats. */

/** The fixed instant seed data is anchored to. */
export const EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** RFC 3339 with second precision, as metav1.Time marshals. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** RFC 3339 with nanosecond precision, as Go's time.RFC3339Nano prints (trailing zeros trimmed). */
export function isoNano(ms: number, extraNanos = 0): string {
  const whole = Math.floor(ms / 1000);
  const nanos = Math.round((ms - whole * 1000) * 1e6) + extraNanos;
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  return `${base}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}Z`;
}
