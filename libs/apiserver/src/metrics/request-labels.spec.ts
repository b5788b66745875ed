import { requestLabels } from './request-labels';

const labels = (method: string, path: string) => requestLabels(method, new URL(path, 'https://localhost'));

describe('requestLabels', () => {
  it.each([
    ['GET', '/api/v1/namespaces/a/pods', { verb: 'list', resource: 'pods', subresource: '', longRunning: false }],
    ['GET', '/api/v1/namespaces/a/pods?watch=true', { verb: 'watch', resource: 'pods', longRunning: true }],
    ['GET', '/api/v1/namespaces/a/pods/p', { verb: 'get', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/a/pods/p/log?follow=true', { verb: 'get', resource: 'pods', subresource: 'log', longRunning: true }],
    ['GET', '/api/v1/namespaces/a/pods/p/log', { verb: 'get', subresource: 'log', longRunning: false }],
    ['POST', '/api/v1/namespaces/a/pods/p/binding', { verb: 'create', resource: 'pods', subresource: 'binding' }],
    ['POST', '/apis/apps/v1/namespaces/a/deployments', { verb: 'create', resource: 'deployments' }],
    ['PUT', '/apis/apps/v1/namespaces/a/deployments/d/scale', { verb: 'update', resource: 'deployments', subresource: 'scale' }],
    ['PATCH', '/apis/apps/v1/namespaces/a/deployments/d', { verb: 'patch', resource: 'deployments' }],
    ['DELETE', '/api/v1/namespaces/a/pods/p', { verb: 'delete', resource: 'pods' }],
    ['DELETE', '/api/v1/namespaces/a/pods', { verb: 'deletecollection', resource: 'pods' }],
    ['GET', '/api/v1/nodes', { verb: 'list', resource: 'nodes' }],
    ['GET', '/apis/logbook.io/v1/history', { verb: 'get', resource: 'history', longRunning: false }],
    ['GET', '/apis/logbook.io/v1/tail', { verb: 'watch', resource: 'tail', longRunning: true }],
  ])('%s %s', (method, path, expected) => {
    expect(labels(method, path)).toMatchObject(expected);
  });

  it('keeps unknown and non-resource paths to a few label values (no path label)', () => {
    expect(labels('GET', '/api/v1/namespaces/a/widgets/w')).toEqual({ verb: 'GET', resource: '', subresource: '', longRunning: false });
    expect(labels('GET', '/metrics')).toEqual({ verb: 'GET', resource: '', subresource: '', longRunning: false });
    expect(labels('GET', '/apis')).toMatchObject({ verb: 'GET', resource: '' });
  });
});
