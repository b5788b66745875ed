import { apiGroupList, apiResourceList } from './discovery';
import { parseResourcePath } from './request-path';

describe('served versions', () => {
  it('lists autoscaling/v2 as preferred and v1 too', () => {
    const autoscaling = (apiGroupList() as any).groups.find((g: any) => g.name === 'autoscaling');
    expect(autoscaling.preferredVersion).toEqual({ groupVersion: 'autoscaling/v2', version: 'v2' });
    expect(autoscaling.versions.map((v: any) => v.groupVersion)).toEqual(['autoscaling/v2', 'autoscaling/v1']);
  });

  it('serves horizontalpodautoscalers under both versions, and no other group under v2', () => {
    for (const version of ['v1', 'v2']) {
      const list = apiResourceList('autoscaling', version) as any;
      expect(list.groupVersion).toBe(`autoscaling/${version}`);
      expect(list.resources.map((r: any) => r.name)).toEqual(['horizontalpodautoscalers', 'horizontalpodautoscalers/status']);
    }
    expect(apiResourceList('apps', 'v2')).toBeUndefined();
  });

  it('keeps the URL version on the parsed path and 404s a version the resource does not serve', () => {
    expect(parseResourcePath('/apis/autoscaling/v1/namespaces/a/horizontalpodautoscalers/web')).toMatchObject({ version: 'v1', namespace: 'a', name: 'web' });
    expect(parseResourcePath('/apis/autoscaling/v2/horizontalpodautoscalers')).toMatchObject({ version: 'v2' });
    expect(parseResourcePath('/api/v1/pods')).toMatchObject({ version: 'v1' });
    expect(() => parseResourcePath('/apis/autoscaling/v2beta2/horizontalpodautoscalers')).toThrow(expect.objectContaining({ code: 404 }));
    expect(() => parseResourcePath('/apis/apps/v2/deployments')).toThrow(expect.objectContaining({ code: 404 }));
  });
});
