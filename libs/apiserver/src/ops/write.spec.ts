import type { ServerResponse } from 'node:http';
import { sendWarnings } from './write';

describe('sendWarnings', () => {
  const headersOf = (warnings: string[]) => {
    const headers: Record<string, unknown> = {};
    sendWarnings({ setHeader: (name: string, value: unknown) => (headers[name] = value) } as unknown as ServerResponse, { warnings });
    return headers;
  };

  it('sends one Warning header per warning in kube’s 299 form, quotes and backslashes escaped', () => {
    expect(headersOf(['would violate PodSecurity "restricted:latest"', 'a\\b']).Warning).toEqual(['299 - "would violate PodSecurity \\"restricted:latest\\""', '299 - "a\\\\b"']);
  });

  it('sends none without warnings', () => {
    expect(headersOf([])).toEqual({});
  });
});
