import { f, k, type Schema } from './schema';

/**
 * k8s.io/api v0.32 autoscaling/v1/generated.proto: what `kubectl autoscale` (1.32, typed
 * autoscaling/v1 client) sends; checked by decoding kubectl 1.32's own bodies in the hpa e2e.
 * autoscaling/v2 bodies come as JSON (kubectl apply/create -f).
 */
export const AUTOSCALING_V1: Schema = {
  HorizontalPodAutoscaler: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:HorizontalPodAutoscalerSpec'), 3: f('status', 'message:HorizontalPodAutoscalerStatus') },
  HorizontalPodAutoscalerSpec: {
    1: f('scaleTargetRef', 'message:CrossVersionObjectReference'),
    2: k('minReplicas', 'int32'),
    3: k('maxReplicas', 'int32'),
    4: k('targetCPUUtilizationPercentage', 'int32'),
  },
  CrossVersionObjectReference: { 1: f('kind', 'string'), 2: f('name', 'string'), 3: f('apiVersion', 'string') },
  HorizontalPodAutoscalerStatus: {},
};
