import { EventStoreDBClient } from '@eventstore/db-client';
import { parseEsdbUrl } from './esdb-url';

describe('parseEsdbUrl', () => {
  it.each([
    ['esdb://localhost:2113?tls=false', 'esdb://localhost:2113?tls=false', 'logbook'],
    ['kurrentdb://localhost:2113?tls=false', 'esdb://localhost:2113?tls=false', 'logbook'],
    ['kurrentdb+discover://a:2113,b:2113?tls=false&nodePreference=leader', 'esdb+discover://a:2113,b:2113?tls=false&nodePreference=leader', 'logbook'],
    ['esdb://admin:changeit@db:2113?tls=false&prefix=team-a', 'esdb://admin:changeit@db:2113?tls=false', 'team-a'],
    ['esdb://db:2113?prefix=x.1', 'esdb://db:2113', 'x.1'],
    ['ESDB://db', 'esdb://db', 'logbook'],
  ])('%s → %s with prefix %s', (url, connectionString, prefix) => {
    expect(parseEsdbUrl(url)).toEqual({ connectionString, prefix });
  });

  it('hands the client a connection string it accepts, without warnings about our parameter', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const client = EventStoreDBClient.connectionString(parseEsdbUrl('kurrentdb://localhost:2113?tls=false&prefix=t1').connectionString);
      await client.dispose();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it.each([
    ['sqlite:./data', /expected esdb:\/\//],
    ['esdb://', /no host/],
    ['esdb://db:2113?prefix=a/b', /prefix "a\/b"/],
    ['esdb://db:2113?prefix=$all', /prefix/],
    ['esdb://db:2113?prefix=', /prefix ""/],
  ])('rejects %s', (url, message) => {
    expect(() => parseEsdbUrl(url)).toThrow(message);
  });
});
