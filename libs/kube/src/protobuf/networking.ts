import { f, inline, type Schema } from './schema';

/**
 * k8s.io/api v0.32 networking/v1/generated.proto: Ingress (what `kubectl create ingress` of
 * kubectl 1.32 sends as protobuf) and IngressClass. The rule's IngressRuleValue is embedded
 * (`json:",inline"`), so `http` lands on the rule itself.
 */
export const NETWORKING_V1: Schema = {
  Ingress: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:IngressSpec'), 3: f('status', 'message:IngressStatus') },
  IngressSpec: {
    1: f('defaultBackend', 'message:IngressBackend'),
    2: f('tls', 'repeated message:IngressTLS'),
    3: f('rules', 'repeated message:IngressRule'),
    4: f('ingressClassName', 'string'),
  },
  IngressBackend: { 3: f('resource', 'message:TypedLocalObjectReference'), 4: f('service', 'message:IngressServiceBackend') },
  IngressServiceBackend: { 1: f('name', 'string'), 2: f('port', 'message:ServiceBackendPort') },
  ServiceBackendPort: { 1: f('name', 'string'), 2: f('number', 'int32') },
  IngressTLS: { 1: f('hosts', 'repeated string'), 2: f('secretName', 'string') },
  IngressRule: { 1: f('host', 'string'), 2: inline('message:IngressRuleValue') },
  IngressRuleValue: { 1: f('http', 'message:HTTPIngressRuleValue') },
  HTTPIngressRuleValue: { 1: f('paths', 'repeated message:HTTPIngressPath') },
  HTTPIngressPath: { 1: f('path', 'string'), 2: f('backend', 'message:IngressBackend'), 3: f('pathType', 'string') },
  TypedLocalObjectReference: { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') },
  // Status is the ingress controller's; what a client sends there is ignored.
  IngressStatus: {},

  IngressClass: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:IngressClassSpec') },
  IngressClassSpec: { 1: f('controller', 'string'), 2: f('parameters', 'message:IngressClassParametersReference') },
  IngressClassParametersReference: { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string'), 4: f('scope', 'string'), 5: f('namespace', 'string') },
};
