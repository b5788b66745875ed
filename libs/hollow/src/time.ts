/** Kubernetes condition and status times are RFC 3339 with second precision. */
export function kubeTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
