/** The registry's HTTP API v2, as much as Logbook reads of it: the catalog and the tags of a repository. */
export interface RegistryCredentialsPair {
  readonly username: string;
  readonly password: string;
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Repositories and their tags, sorted (a registry on this machine: http only). */
export async function listRegistry(address: string, creds?: RegistryCredentialsPair): Promise<{ repository: string; tags: string[] }[]> {
  const catalog = await getJson<{ repositories?: string[] }>(address, '/v2/_catalog?n=1000', creds);
  const out: { repository: string; tags: string[] }[] = [];
  for (const repository of [...(catalog.repositories ?? [])].sort()) {
    const t = await getJson<{ tags?: string[] | null }>(address, `/v2/${repository}/tags/list`, creds);
    out.push({ repository, tags: [...(t.tags ?? [])].sort() });
  }
  return out;
}

export async function getJson<T>(address: string, path: string, creds?: RegistryCredentialsPair): Promise<T> {
  const headers: Record<string, string> = {};
  if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(`http://${address}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new RegistryError(`registry ${address} does not answer (${(err as Error).message}): is it running? (logbook up --registry, or docker-registry serve)`);
  }
  if (res.status === 401) throw new RegistryError(`registry ${address} refused ${path}: authentication required${creds ? ' (wrong user or password)' : ' (pass --username/--password)'}`, 401);
  if (!res.ok) throw new RegistryError(`registry ${address} answered ${res.status} to ${path}: ${(await res.text()).slice(0, 200)}`, res.status);
  return (await res.json()) as T;
}
