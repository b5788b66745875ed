/** Kubernetes status times are RFC 3339 with second precision. */
export function kubeTime(at: Date | string | number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
