import { healthListenOptions } from './health-env';

describe('healthListenOptions', () => {
  it('defaults to 127.0.0.1 and the component\'s port', () => {
    expect(healthListenOptions({}, 10259)).toEqual({ host: '127.0.0.1', port: 10259 });
  });

  it('takes LOGBOOK_HEALTH_PORT (0 = a free port) and LOGBOOK_HEALTH_HOST', () => {
    expect(healthListenOptions({ LOGBOOK_HEALTH_PORT: '0', LOGBOOK_HEALTH_HOST: '0.0.0.0' }, 10259)).toEqual({ host: '0.0.0.0', port: 0 });
    expect(healthListenOptions({ LOGBOOK_HEALTH_PORT: ' 9000 ' }, 10259).port).toBe(9000);
  });

  it.each(['http', '-1', '70000', '1.5'])('rejects LOGBOOK_HEALTH_PORT=%s saying what it expects', (port) => {
    expect(() => healthListenOptions({ LOGBOOK_HEALTH_PORT: port }, 10259)).toThrow(/0\.\.65535/);
  });
});
