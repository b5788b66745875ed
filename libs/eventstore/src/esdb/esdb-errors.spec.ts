import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ANY,
  NO_STREAM,
  StreamDeletedError,
  UnavailableError,
  WrongExpectedVersionError,
  convertToCommandError,
} from '@eventstore/db-client';
import { EventStoreUnavailable, ExpectedRevisionConflict, StreamDeleted } from '../errors';
import { toEsdbExpected, toPortError } from './esdb-errors';

/** A gRPC failure as the server sends it (status, trailers); the client turns it into its error class. */
function fromServer(code: status, trailers: Record<string, string>): Error {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(trailers)) metadata.set(k, v);
  const error: ServiceError = Object.assign(new Error(`${code} ${trailers.exception ?? ''}`), { code, details: 'from server', metadata });
  return convertToCommandError(error);
}

describe('toPortError', () => {
  const failed = { operation: 'append to Pod/default/web', stream: 'Pod/default/web', expected: 0 as const };

  it('maps WrongExpectedVersion to ExpectedRevisionConflict with the actual revision', () => {
    const server = fromServer(status.UNKNOWN, {
      exception: 'wrong-expected-version',
      'stream-name': 'logbook/Pod/default/web',
      'expected-version': '0',
      'actual-version': '2',
    });
    expect(server).toBeInstanceOf(WrongExpectedVersionError);
    const mapped = toPortError(server, failed);
    expect(mapped).toBeInstanceOf(ExpectedRevisionConflict);
    expect(mapped).toMatchObject({ stream: 'Pod/default/web', expected: 0, actual: 2 });
  });

  it('maps a missing stream to actual "no_stream"', () => {
    const client = new WrongExpectedVersionError(undefined, { streamName: 'logbook/x', expected: 0n, current: NO_STREAM });
    expect(toPortError(client, { ...failed, stream: 'x' })).toMatchObject({ code: 'ExpectedRevisionConflict', stream: 'x', actual: 'no_stream' });
  });

  it('maps a deleted stream to StreamDeleted', () => {
    const server = fromServer(status.FAILED_PRECONDITION, { exception: 'stream-deleted', 'stream-name': 'logbook/Pod/default/web' });
    expect(server).toBeInstanceOf(StreamDeletedError);
    expect(toPortError(server, failed)).toEqual(new StreamDeleted('Pod/default/web'));
  });

  it('maps a follower that is not the leader to EventStoreUnavailable naming the leader', () => {
    const server = fromServer(status.NOT_FOUND, { exception: 'not-leader', 'leader-endpoint-host': 'node-2', 'leader-endpoint-port': '2113' });
    const mapped = toPortError(server, failed);
    expect(mapped).toBeInstanceOf(EventStoreUnavailable);
    expect((mapped as Error).message).toMatch(/node-2:2113.*nodePreference=leader/);
  });

  it.each([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.ABORTED])('maps gRPC status %s to a retryable EventStoreUnavailable', (code) => {
    const mapped = toPortError(fromServer(code, {}), failed);
    expect(mapped).toBeInstanceOf(EventStoreUnavailable);
    expect(mapped).toMatchObject({ retryable: true });
    expect((mapped as Error).message).toMatch(/^append to Pod\/default\/web: EventStoreDB did not answer/);
  });

  it('says what to do about access denied and oversized appends', () => {
    expect(String(toPortError(fromServer(status.PERMISSION_DENIED, { exception: 'access-denied' }), failed))).toMatch(/credentials in the store URL/);
    expect(String(toPortError(fromServer(status.UNKNOWN, { exception: 'maximum-append-size-exceeded', 'maximum-append-size': '1048576' }), failed))).toMatch(
      /EVENTSTORE_MAX_APPEND_SIZE/,
    );
  });

  it('passes other errors through', () => {
    const other = new TypeError('boom');
    expect(toPortError(other, failed)).toBe(other);
    expect(toPortError(new UnavailableError(), failed)).toBeInstanceOf(EventStoreUnavailable);
  });
});

describe('toEsdbExpected', () => {
  it('translates the port’s expected revisions', () => {
    expect([toEsdbExpected('any'), toEsdbExpected('no_stream'), toEsdbExpected(4)]).toEqual([ANY, NO_STREAM, 4n]);
  });
});
