/**
 * Why a pod's volumes cannot be prepared (yet). The reason is what the kubelet reports:
 * `FailedMount` (a source is missing or invalid: retry with back-off, record a Warning Event),
 * `VolumeNotReady` (a claim is not bound yet: wait, nothing is wrong), and
 * `CreateContainerConfigError` (one container's volumeMounts are invalid, e.g. its subPath).
 */
export type VolumeErrorReason = 'FailedMount' | 'VolumeNotReady' | 'CreateContainerConfigError';

export class VolumeError extends Error {
  constructor(
    readonly reason: VolumeErrorReason,
    message: string,
    /** The volume (or, for CreateContainerConfigError, the volumeMount's volume) at fault. */
    readonly volume?: string,
  ) {
    super(message);
    this.name = 'VolumeError';
  }
}

/** As the kubelet words a failed set-up in its FailedMount Event. */
export function setUpFailed(volume: string, detail: string, reason: VolumeErrorReason = 'FailedMount'): VolumeError {
  return new VolumeError(reason, `MountVolume.SetUp failed for volume "${volume}" : ${detail}`, volume);
}
