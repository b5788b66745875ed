import { decodeKubeProtobuf } from '../protobuf';
import { GOLDEN } from './golden.fixtures';

const decodeHex = (hex: string) => decodeKubeProtobuf(Uint8Array.from(Buffer.from(hex, 'hex')));

/**
 * The expected objects are what `kubectl create … --dry-run=client -o json` prints for the same
 * command (Go's encoding/json), minus `creationTimestamp: null`, which the decoder omits.
 */
describe('bodies captured from kubectl 1.32', () => {
  const template = (name: string, containers: object[]) => ({ metadata: { labels: { app: name } }, spec: { containers } });

  it('create deployment web --image=nginx:1.25 --replicas=2 --port=80', () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_DEPLOYMENT)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: template('web', [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }], resources: {} }]),
        strategy: {},
      },
      status: {},
    });
  });

  it('keeps replicas: 0, a pointer that was set (create deployment --replicas=0)', () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_DEPLOYMENT_ZERO)).toMatchObject({ metadata: { name: 'web3' }, spec: { replicas: 0 } });
  });

  it('create deployment with two images in a namespace', () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_DEPLOYMENT_MULTI)).toMatchObject({
      metadata: { name: 'multi', namespace: 'team' },
      spec: {
        replicas: 1,
        template: template('multi', [
          { name: 'nginx', image: 'nginx:1.25', resources: {} },
          { name: 'redis', image: 'redis:7', resources: {} },
        ]),
      },
    });
  });

  it('create job j --image=busybox -- echo hi', () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_JOB)).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: {
        template: {
          metadata: {},
          spec: { containers: [{ name: 'j', image: 'busybox', command: ['echo', 'hi'], resources: {} }], restartPolicy: 'Never' },
        },
      },
      status: {},
    });
  });

  it('create service clusterip web --tcp=80:8080', () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_SERVICE_CLUSTERIP)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'web' }, type: 'ClusterIP' },
      status: { loadBalancer: {} },
    });
  });

  it('create service nodeport np --tcp=8080:80 --node-port=30080', () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_SERVICE_NODEPORT)).toMatchObject({
      spec: { ports: [{ name: '8080-80', protocol: 'TCP', port: 8080, targetPort: 80, nodePort: 30080 }], type: 'NodePort' },
    });
  });

  it('create service externalname ex --external-name=example.com', () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_SERVICE_EXTERNALNAME)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ex', labels: { app: 'ex' } },
      spec: { selector: { app: 'ex' }, type: 'ExternalName', externalName: 'example.com' },
      status: { loadBalancer: {} },
    });
  });

  it("create cronjob cj --image=busybox --schedule='*/1 * * * *' -- date", () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_CRONJOB)).toEqual({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cj' },
      spec: {
        schedule: '*/1 * * * *',
        jobTemplate: {
          metadata: { name: 'cj' },
          spec: { template: { metadata: {}, spec: { containers: [{ name: 'cj', image: 'busybox', command: ['date'], resources: {} }], restartPolicy: 'OnFailure' } } },
        },
      },
      status: {},
    });
  });

  it('create configmap and create secret generic', () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_CONFIGMAP)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } });
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_SECRET)).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: 'eA==' } });
  });
});

describe('policy and authorization bodies captured from kubectl 1.32', () => {
  it('create pdb web --selector=app=web --min-available=50%', () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_PDB)).toEqual({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web' },
      spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } },
      status: {},
    });
  });

  it('create ingress web --class=logbook with a host rule and a prefix rule on a named port', () => {
    expect(decodeHex(GOLDEN.KUBECTL_CREATE_INGRESS)).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web' },
      spec: {
        ingressClassName: 'logbook',
        rules: [
          { host: 'a.example', http: { paths: [{ path: '/', pathType: 'Exact', backend: { service: { name: 'svc-a', port: { number: 80 } } } }] } },
          { http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'svc-b', port: { name: 'http' } } } }] } },
        ],
      },
      status: {},
    });
  });

  it('auth can-i create pods', () => {
    expect(decodeHex(GOLDEN.KUBECTL_AUTH_CAN_I)).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
      status: {},
    });
  });

  it('auth can-i --list -n team', () => {
    expect(decodeHex(GOLDEN.KUBECTL_AUTH_CAN_I_LIST)).toEqual({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: {}, spec: { namespace: 'team' }, status: {} });
  });
});

describe('bodies encoded by protobufjs from kubectl 1.32 descriptors', () => {
  it('decodes a Deployment using most of the pod template', () => {
    const container = {
      name: 'app',
      image: 'nginx:1.25',
      command: ['sh', '-c'],
      args: ['run'],
      workingDir: '/w',
      ports: [{ name: 'http', hostPort: 8080, containerPort: 80, protocol: 'TCP', hostIP: '0.0.0.0' }],
      env: [
        { name: 'A', value: '1' },
        { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        { name: 'C', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: false } } },
        { name: 'S', valueFrom: { secretKeyRef: { name: 'sec', key: 'pw' } } },
        { name: 'L', valueFrom: { resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } } },
      ],
      envFrom: [{ prefix: 'CM_', configMapRef: { name: 'cm' } }, { secretRef: { name: 'sec', optional: true } }],
      resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
      volumeMounts: [{ name: 'data', readOnly: true, mountPath: '/data', subPath: 'x' }],
      livenessProbe: {
        httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X', value: 'y' }] },
        initialDelaySeconds: 5,
        periodSeconds: 10,
        failureThreshold: 3,
      },
      readinessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 2, successThreshold: 1 },
      startupProbe: { exec: { command: ['cat', '/ready'] }, terminationGracePeriodSeconds: 0 },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
      securityContext: { capabilities: { drop: ['ALL'] }, runAsUser: -1, allowPrivilegeEscalation: false },
    };
    expect(decodeHex(GOLDEN.RICH_DEPLOYMENT)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'prod', labels: { app: 'web' }, annotations: { note: 'hi' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            volumes: [
              { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
              { name: 'cfg', configMap: { name: 'cm', items: [{ key: 'a', path: 'a.txt', mode: 420 }], defaultMode: 420 } },
              { name: 'sec', secret: { secretName: 'sec', optional: false } },
            ],
            initContainers: [{ name: 'init', image: 'busybox', command: ['true'] }],
            containers: [container],
            restartPolicy: 'Always',
            terminationGracePeriodSeconds: 30,
            activeDeadlineSeconds: 600,
            dnsPolicy: 'ClusterFirst',
            nodeSelector: { disk: 'ssd' },
            serviceAccountName: 'runner',
            nodeName: 'node-1',
            hostNetwork: true,
            securityContext: { runAsNonRoot: true, fsGroup: 2000, supplementalGroups: [1, 2] },
            schedulerName: 'default-scheduler',
            tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule', tolerationSeconds: 60 }],
            priorityClassName: 'high',
            enableServiceLinks: false,
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
        minReadySeconds: 5,
        revisionHistoryLimit: 0,
        paused: true,
        progressDeadlineSeconds: 600,
      },
    });
  });

  it('decodes a Job with every JobSpec field of the table', () => {
    expect(decodeHex(GOLDEN.RICH_JOB)).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: {
        parallelism: 2,
        completions: 4,
        activeDeadlineSeconds: 100,
        backoffLimit: 0,
        selector: { matchLabels: { x: 'y' } },
        manualSelector: true,
        template: { spec: { containers: [{ name: 'j', image: 'busybox' }], restartPolicy: 'OnFailure' } },
        ttlSecondsAfterFinished: 60,
        completionMode: 'Indexed',
        suspend: false,
      },
    });
  });

  it('decodes a Service with named and numeric target ports', () => {
    expect(decodeHex(GOLDEN.RICH_SERVICE)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc' },
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 },
          { protocol: 'UDP', port: 53, targetPort: 5353 },
        ],
        selector: { app: 'web' },
        clusterIP: '10.0.0.10',
        type: 'NodePort',
        externalIPs: ['1.2.3.4'],
        sessionAffinity: 'ClientIP',
        externalTrafficPolicy: 'Local',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
      },
    });
  });
});
